"""The catalogue of injected bugs: realistic one-line mistakes, one per :class:`Mutant`.

Each mutant names its patched targets and a factory of :mod:`specbound.mutants.bugs`
(the original object in, the buggy one out). Issue 13's seven audit bugs are here
(``moments-log2``, ``environment-laws-scaled``, ``spectr-rho-one``, ``importance-sqrt``,
``chisquare-drops-largest-bin``, ``x-opt-drop-16pc``, ``residual-clipped``) beside bugs
in every module with an exact side or a sampler: ``bounds/*``, ``trees/*``, ``lp/*``,
``simulations/*``, ``pairs/*`` and the audit. ``kills`` names the case expected to fail
(the fast subset of ``tests/test_claims_can_fail.py``); ``make mutants`` runs every
claim against every mutant.
"""

from __future__ import annotations

from specbound.mutants import Mutant, bugs

M = Mutant
MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------- issue 13's audit
    M(
        "moments-log2",
        "entropy moments in bits (log2) instead of nats",
        (("specbound.bounds.branching_walk.moments:_row_moments", bugs.log2_row_moments),),
        (("bw.moments", "real text bigrams n=200, text positions mu"),),
    ),
    M(
        "environment-laws-scaled",
        "random-environment laws scaled by 0.95 inside the tree builder",
        (("specbound.simulations.random_trees.reveal:_draw_weights", bugs.scaled_weights),),
        (("bw.acceptance_identity", "Dir(0.5*1_10) env seed 1000 P=1000"),),
    ),
    M(
        "spectr-rho-one",
        "SpecTr's rho fixed at 1",
        (("specbound.lp.baselines:spectr_rho", lambda o: lambda t, d, k, iterations=200: 1.0),),
        (("md.acceptance", "SpecTr K-SEQ | n=1000 softmax K=4"),),
    ),
    M(
        "importance-sqrt",
        "importance weights sqrt(p/q) instead of p/q",
        (("specbound.lp.selection:importance_weighted_rule", bugs.sqrt_importance),),
        (("md.acceptance", "importance weights | n=6 reference K=2"),),
    ),
    M(
        "chisquare-drops-largest-bin",
        "chi-square statistic without the largest merged bin",
        (("specbound.simulations.agreement:chisquare_gof", bugs.drop_largest_bin),),
        (("audit.power", "uniform, 2 bins, eps = 0.0241, N = 20000"),),
    ),
    M(
        "x-opt-drop-16pc",
        "E[X_opt] of a random environment 16% low",
        (
            (
                "specbound.simulations.random_trees.tree:RandomTree.accepted_curve",
                bugs.scaled(0.84),
            ),
        ),
        (("bw.x_opt_exact", "real text bigrams n=200 20 fixed environments P=1000"),),
    ),
    M(
        "residual-clipped",
        "SpecTr residual clipped at 0 instead of exact (with rho 10% low: a biased sampler)",
        (
            ("specbound.simulations.speculative:exact_residual", bugs.clipped_residual),
            ("specbound.lp.baselines:spectr_rho", bugs.spectr_rho_small),
        ),
        (("md.output_law", "SpecTr K-SEQ | real text n=50 after 'the' K=2"),),
    ),
    # ------------------------------------------------------------- earlier test bugs
    M(
        "ersd-greedy-verifier",
        "ERSD verifier accepts the first drafted token without the race",
        (("specbound.simulations.exponential_races.generate:_verify", bugs.greedy_ersd_verifier),),
        (("ersd.drafter_invariance", "example A vs reversed draft"),),
    ),
    M(
        "specinfer-unnormalised",
        "SpecInfer residuals (r - q)+ left unnormalised",
        (("specbound.lp.baselines:specinfer_residuals", bugs.unnormalised_specinfer),),
        (("md.acceptance", "SpecInfer | n=6 iid K=3"),),
    ),
    M(
        "tree-value-scaled",
        "a draft tree's expected_accepted 5% low",
        (("specbound.trees.tree:DraftTree.expected_accepted", bugs.scaled_tree_value),),
        (("trees.acceptance_identity", "optimal k=64, ERSD 4-rank law"),),
    ),
    # ------------------------------------------------------------- bounds
    M(
        "chain-without-bonus",
        "tokens per step of a chain without the verifier's bonus term alpha^gamma",
        (("specbound.bounds.acceptance:expected_tokens_per_step", bugs.chain_without_bonus),),
        (("rejections.tokens_per_step", "alpha=1 gamma=3"),),
    ),
    M(
        "acceptance-tv-doubled",
        "acceptance 1 - 2 TV(p, q) (TV without its 1/2)",
        (("specbound.bounds.acceptance:acceptance_probability", bugs.acceptance_from_doubled_tv),),
        (),
    ),
    M(
        "row-tv-halved",
        "per-row TV of the rejection sum halved",
        (("specbound.bounds.rejections:row_total_variation", bugs.scaled(0.5)),),
        (("rejections.sum_tv", "disjoint (TV=1) H=4"),),
    ),
    M(
        "batch-one-draft-short",
        "batch rejection probability computed with M - 1 drafts",
        (("specbound.bounds.rejections_batch:batch_rejection_probability", bugs.one_draft_short),),
        (),
    ),
    M(
        "dirichlet-digamma-shift",
        "Dirichlet mu with psi(A) - psi(a) instead of psi(A+1) - psi(a+1)",
        (
            (
                "specbound.bounds.branching_walk.moments:dirichlet_moments",
                bugs.dirichlet_digamma_shift,
            ),
        ),
        (("bw.moments", "Dir(0.5*1_10) mu"),),
    ),
    M(
        "rank-law-swapped",
        "rank law with target and draft swapped",
        (
            (
                "specbound.bounds.exponential_races.rank_law:rank_distribution",
                bugs.swapped_rank_law,
            ),
        ),
        (),
    ),
    M(
        "rank-entropy-bits",
        "H[R] in bits in the ERSD bound",
        (
            (
                "specbound.bounds.exponential_races.entropy_bound:rank_entropy",
                bugs.rank_entropy_bits,
            ),
        ),
        (),
    ),
    M(
        "asymptotic-without-variance",
        "asymptotic optimum without the mu2 / (2 mu^2) term",
        (
            (
                "specbound.bounds.branching_walk.bounds:asymptotic_accepted",
                bugs.asymptotic_without_variance,
            ),
        ),
        (("bw.asymptotic_upper", "(0.5, 0.3, 0.2) P=100000 tol=0.07"),),
    ),
    M(
        "gsd-positional-scaled",
        "GSD positional acceptance vector 5% low",
        (("specbound.bounds.exponential_races.gsd:gsd_positional_acceptance", bugs.scaled(0.95)),),
        (),
    ),
    # ------------------------------------------------------------- lp
    M(
        "optimum-drops-a-draft",
        "multi-draft optimum (different drafts) computed without the last draft",
        (("specbound.lp.optimum:halfspace_optimum", bugs.optimum_drops_a_draft),),
        (("md.canonical", "n=4 zero draft mass"),),
    ),
    M(
        "nss-one-draft-short",
        "NSS / equality acceptance with the product over K - 1 drafts (p q^2 for one)",
        (("specbound.lp.baselines:nss_acceptance", bugs.nss_one_draft_short),),
        (("audit.equality_acceptance", "single/reference n = 3"),),
    ),
    M(
        "positional-values-sorted",
        "positional tree optimum computed on the vector sorted (drafting order ignored)",
        (("specbound.trees.positional:positional_optimal_values", bugs.positional_values_sorted),),
        (
            (
                "trees.positional_optimal",
                "recursive rejection k=48, p=(.45,.35,.2,0) q=(.1,.1,.1,.7)",
            ),
        ),
    ),
    # ------------------------------------------------------------- simulations
    M(
        "verify-inverted-ratio",
        "speculative sampling accepts with min(1, q/p) instead of min(1, p/q)",
        (("specbound.simulations.speculative:verify", bugs.inverted_ratio),),
        (("sd.output_law", "n=3 reference"),),
    ),
    M(
        "sampler-drops-last-token",
        "categorical sampler never draws the last token",
        (("specbound.simulations.sampling:sample_categorical", bugs.last_token_never_drawn),),
        (),
    ),
    M(
        "drafts-from-the-first",
        "multi-draft sampler draws every draft from the first draft's law",
        (("specbound.simulations.multidraft:sample_drafts", bugs.drafts_from_the_first),),
        (),
    ),
    M(
        "race-rank-off-by-one",
        "exponential-race rank counts the winner itself",
        (
            (
                "specbound.simulations.exponential_races.races:_winners_and_ranks",
                bugs.rank_counts_itself,
            ),
        ),
        (("ersd.rank_law", "zeros n=16"),),
    ),
    M(
        "markov-sampler-skewed",
        "Markov model samples with sqrt(U) instead of U",
        (("specbound.simulations.markov:MarkovModel.sample_uniform", bugs.markov_sample_shifted),),
        (),
    ),
    M(
        "token-walk-root-law",
        "token walk draws every node's token from the root's law",
        (("specbound.simulations.token_walks:law_outcomes", bugs.law_outcomes_first_row),),
        (),
    ),
    # ------------------------------------------------------------- pairs, audit
    M(
        "pairs-entropy-bits",
        "per-position entropy of model outputs in bits",
        (("specbound.pairs.quantities:entropy_rows", bugs.entropy_rows_bits),),
        (("pairs.target_entropy_mu", "synthetic V=512 T=0.8"),),
    ),
    M(
        "pairs-positional-scaled",
        "positional acceptance rows of model outputs 5% low",
        (("specbound.pairs.positional:positional_acceptance_rows", bugs.scaled(0.95)),),
        (),
    ),
    M(
        "pairs-alpha-one-as-tv",
        "ERSD alpha_1 of model outputs taken as 1 - TV (the maximal coupling, not the race)",
        (("specbound.pairs.quantities:sorted_ratio_rows", bugs.alpha_one_as_tv),),
        (),
    ),
    M(
        "audit-stale-residual",
        "the audit's exact law of the correct rule uses the stale residual (p - q)+",
        (("specbound.simulations.audit.exact_laws:node_outcome", bugs.stale_audit_residual),),
        (("audit.tokens_per_step", "tree/n = 5/correct"),),
    ),
    M(
        "wor-prefix-iid",
        "drafts without replacement at scale: P(all K in T) taken as q(T)^K (i.i.d. draws)",
        (("specbound.lp.without_replacement_prefix:prefix_bounds", bugs.wor_prefix_iid),),
        (("md.wor_all_in", "n=1000 five heavy draft tokens K=4"),),
    ),
    M(
        "rrs-wor-stale-draft-law",
        "recursive rejection without replacement: rejected candidates stay in the draft law",
        (
            (
                "specbound.simulations.without_replacement:_residuals",
                bugs.rrs_stale_draft_law,
            ),
        ),
        (("md.wor_output_law", "RRS without replacement | n=6 reference K=3"),),
    ),
    M(
        "audit-power-overstated",
        "the audit's stated detectable TV half its true value",
        (("specbound.simulations.audit.power:detectable_tv", bugs.scaled(0.5)),),
        (),
    ),
)


def mutant(name: str) -> Mutant:
    """The catalogue's mutant called ``name``."""
    for m in MUTANTS:
        if m.name == name:
            return m
    raise KeyError(f"mutant: unknown name {name!r}")
