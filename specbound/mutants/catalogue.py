"""The catalogue of injected bugs: realistic one-line mistakes, one per :class:`Mutant`.

Each factory receives the original object and returns the buggy one; most wrap the
original (so the bug is the one-line change named in the description). Issue 13's
seven audit bugs are here (``moments-log2``, ``environment-laws-scaled``,
``spectr-rho-one``, ``importance-sqrt``, ``chisquare-drops-largest-bin``,
``x-opt-drop-16pc``, ``residual-clipped``) beside bugs in every module with an exact
side or a sampler: ``bounds/*``, ``trees/*``, ``lp/*``, ``simulations/*``, ``pairs/*``
and the audit. ``kills`` names the case expected to fail (the fast subset of
``tests/test_mutants.py``); ``make mutants`` runs every claim against every mutant.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import special

from specbound.mutants import Mutant


def _scaled(factor: float):
    """Factory: the original's result times ``factor``."""

    def factory(original):
        def scaled(*args, **kwargs):
            return factor * np.asarray(original(*args, **kwargs))

        return scaled

    return factory


def _log2_row_moments(original):
    def row_moments(p):
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = np.where(p > 0, np.log2(np.where(p > 0, p, 1.0)), 0.0)
        plog = p * logp
        return -plog.sum(axis=1), (plog * logp).sum(axis=1), (p * p).sum(axis=1)

    return row_moments


def _scaled_weights(original):
    def draw_weights(law, rng, size):
        w, z = original(law, rng, size)
        return w * 0.95, z

    return draw_weights


def _sqrt_importance(original):
    from specbound.lp import selection
    from specbound.lp.coupling import tuples
    from specbound.lp.optimum import validate_drafts

    def rule(target, drafts):
        p, q = validate_drafts(target, drafts)
        k, n = q.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.sqrt(np.where(q > 0, p[None, :] / q, 0.0))
        w = ratio[np.arange(k)[None, :], tuples(n, k)]
        total = w.sum(axis=1, keepdims=True)
        beta = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        beta[total[:, 0] == 0, 0] = 1.0
        return selection._rule(p, q, beta, "importance")

    return rule


def _drop_largest_bin(original):
    from specbound.simulations import agreement

    def chisquare_gof(samples, probs, *, counts=None, min_expected=5.0):
        res = original(samples, probs, counts=counts, min_expected=min_expected)
        if res.dof < 1 or not np.isfinite(res.statistic):
            return res
        p = np.asarray(probs, dtype=np.float64)
        p = p / p.sum()
        obs = (
            np.bincount(np.asarray(samples).ravel(), minlength=p.size)
            if counts is None
            else (np.asarray(counts, dtype=np.float64))
        )
        support = p > 0
        expected = res.n * p[support]
        labels = agreement.merge_bins(expected, min_expected)
        e = np.bincount(labels, weights=expected)
        o = np.bincount(labels, weights=obs[support])
        terms = (o - e) ** 2 / e
        stat = float(terms.sum() - terms[np.argmax(e)])
        return dataclasses.replace(
            res, statistic=stat, pvalue=float(special.chdtrc(res.dof, stat))
        )

    return chisquare_gof


def _unnormalised_specinfer(original):
    def residuals(target, drafts):
        k, n = drafts.shape
        out = np.empty((k + 1, n))
        out[0] = target
        for j in range(k):
            out[j + 1] = np.maximum(out[j] - drafts[j], 0.0)
        return out

    return residuals


def _greedy_ersd_verifier(original):
    def verify(key, drafted):
        real = [i for i, y in enumerate(drafted) if y >= 0]
        return (drafted[real[0]], real[0]) if real else original(key, drafted)

    return verify


def _scaled_tree_value(original):
    return property(lambda self: 0.95 * float(self.path_probability.sum()))


def _clipped_residual(original):
    def exact_residual(target, part, where):
        return np.maximum(target - part, 0.0)

    return exact_residual


def _chain_without_bonus(original):
    def tokens(alpha, gamma):
        return original(alpha, gamma) - alpha**gamma

    return tokens


def _acceptance_from_doubled_tv(original):
    def acceptance(target, draft):
        return max(0.0, 2.0 * original(target, draft) - 1.0)

    return acceptance


def _one_draft_short(original):
    def batch(target, draft, num_drafts):
        return original(target, draft, max(1, num_drafts - 1))

    return batch


def _dirichlet_digamma_shift(original):
    def moments(concentration, n):
        a, big = float(concentration), n * float(concentration)
        mean_log = special.digamma(a) - special.digamma(big)
        var_log = special.polygamma(1, a + 1) - special.polygamma(1, big + 1)
        return float(-mean_log), float(mean_log**2 + var_log), float((a + 1) / (big + 1))

    return moments


def _swapped_rank_law(original):
    def rank_law(target, draft, *args, **kwargs):
        return original(draft, target, *args, **kwargs)

    return rank_law


def _rank_entropy_bits(original):
    def entropy(rank_law):
        return original(rank_law) / np.log(2.0)

    return entropy


def _asymptotic_without_variance(original):
    def value(mu, mu2, size):
        return original(mu, 0.0, size)

    return value


def _minnorm_drops_a_draft(original):
    def minnorm(p, q, *args, **kwargs):
        return original(p, q[:-1], *args, **kwargs) if q.shape[0] > 1 else original(p, q)

    return minnorm


def _nss_one_draft_short(original):
    def nss(target, drafts):
        q = np.atleast_2d(np.asarray(drafts, dtype=np.float64))
        return original(target, q[:-1]) if q.shape[0] > 1 else original(target, q) ** 2

    return nss


def _positional_values_sorted(original):
    def values(acceptance, max_size, max_depth=None):
        return original(np.sort(np.asarray(acceptance))[::-1], max_size, max_depth)

    return values


def _alpha_one_as_tv(original):
    def rows(target, draft, *args, **kwargs):
        _, multi = original(target, draft, *args, **kwargs)
        return np.minimum(target, draft).sum(axis=-1), multi

    return rows


def _inverted_ratio(original):
    from specbound.simulations.sampling import sample_categorical
    from specbound.simulations.speculative import residual_law

    def verify(target, law, tokens, rng):
        accepted = rng.random(tokens.size) * target[tokens] < law[tokens]
        out = tokens.copy()
        rejected = np.flatnonzero(~accepted)
        if rejected.size:
            out[rejected] = sample_categorical(residual_law(target, law), rejected.size, rng)
        return out, accepted

    return verify


def _last_token_never_drawn(original):
    def sample(probs, size, rng):
        cdf = np.cumsum(probs)
        top = cdf[-2] if cdf.size > 1 else cdf[-1]
        return np.searchsorted(cdf, rng.random(size) * top, side="right")

    return sample


def _drafts_from_the_first(original):
    def sample(drafts, size, rng):
        return original(np.repeat(drafts[:1], drafts.shape[0], axis=0), size, rng)

    return sample


def _rank_counts_itself(original):
    def ranks(log_w, log_p, log_q):
        x, r = original(log_w, log_p, log_q)
        return x, r + 1

    return ranks


def _stale_audit_residual(original):
    def node_outcome(rule, p, s, qs, x, k):
        if rule.residual == "update" and rule.equality is None:
            rule = dataclasses.replace(rule, residual="stale")
        return original(rule, p, s, qs, x, k)

    return node_outcome


def _markov_sample_shifted(original):
    def sample_uniform(self, state, u):
        return original(self, state, np.sqrt(u))

    return sample_uniform


def _entropy_rows_bits(original):
    def entropy(target):
        h, h2 = original(target)
        return h / np.log(2.0), h2 / np.log(2.0) ** 2

    return entropy


def _law_outcomes_first_row(original):
    def outcomes(laws, node_law):
        return original(laws, np.zeros_like(np.asarray(node_law)))

    return outcomes


def _spectr_rho_small(original):
    def rho(target, draft, k, iterations=200):
        return 0.9 * original(target, draft, k, iterations)

    return rho


M = Mutant
MUTANTS: tuple[Mutant, ...] = (
    # ------------------------------------------------------------- issue 13's audit
    M(
        "moments-log2",
        "entropy moments in bits (log2) instead of nats",
        (("specbound.bounds.branching_walk.moments:_row_moments", _log2_row_moments),),
        (("bw.moments", "real text bigrams n=200, text positions mu"),),
    ),
    M(
        "environment-laws-scaled",
        "random-environment laws scaled by 0.95 inside the tree builder",
        (("specbound.simulations.random_trees.reveal:_draw_weights", _scaled_weights),),
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
        (("specbound.lp.selection:importance_weighted_rule", _sqrt_importance),),
        (("md.acceptance", "importance weights | n=6 reference K=2"),),
    ),
    M(
        "chisquare-drops-largest-bin",
        "chi-square statistic without the largest merged bin",
        (("specbound.simulations.agreement:chisquare_gof", _drop_largest_bin),),
        (("audit.power", "uniform, 2 bins, eps = 0.0241, N = 20000"),),
    ),
    M(
        "x-opt-drop-16pc",
        "E[X_opt] of a random environment 16% low",
        (("specbound.simulations.random_trees.tree:RandomTree.accepted_curve", _scaled(0.84)),),
        (("bw.x_opt_exact", "real text bigrams n=200 20 fixed environments P=1000"),),
    ),
    M(
        "residual-clipped",
        "SpecTr residual clipped at 0 instead of exact (with rho 10% low: a biased sampler)",
        (
            ("specbound.simulations.speculative:exact_residual", _clipped_residual),
            ("specbound.lp.baselines:spectr_rho", _spectr_rho_small),
        ),
        (("md.output_law", "SpecTr K-SEQ | real text n=50 after 'the' K=2"),),
    ),
    # ------------------------------------------------------------- earlier test bugs
    M(
        "ersd-greedy-verifier",
        "ERSD verifier accepts the first drafted token without the race",
        (("specbound.simulations.exponential_races.generate:_verify", _greedy_ersd_verifier),),
        (("ersd.drafter_invariance", "example A vs reversed draft"),),
    ),
    M(
        "specinfer-unnormalised",
        "SpecInfer residuals (r - q)+ left unnormalised",
        (("specbound.lp.baselines:specinfer_residuals", _unnormalised_specinfer),),
        (("md.acceptance", "SpecInfer | n=6 iid K=3"),),
    ),
    M(
        "tree-value-scaled",
        "a draft tree's expected_accepted 5% low",
        (("specbound.trees.tree:DraftTree.expected_accepted", _scaled_tree_value),),
        (("trees.acceptance_identity", "optimal k=64, ERSD rank law A"),),
    ),
    # ------------------------------------------------------------- bounds
    M(
        "chain-without-bonus",
        "tokens per step of a chain without the verifier's bonus term alpha^gamma",
        (("specbound.bounds.acceptance:expected_tokens_per_step", _chain_without_bonus),),
        (("rejections.tokens_per_step", "alpha=1 gamma=3"),),
    ),
    M(
        "acceptance-tv-doubled",
        "acceptance 1 - sum|p - q| (TV without its 1/2)",
        (("specbound.bounds.acceptance:acceptance_probability", _acceptance_from_doubled_tv),),
        (),
    ),
    M(
        "row-tv-halved",
        "per-row TV of the rejection sum halved",
        (("specbound.bounds.rejections:row_total_variation", _scaled(0.5)),),
        (("rejections.sum_tv", "disjoint (TV=1) H=4"),),
    ),
    M(
        "batch-one-draft-short",
        "batch rejection probability computed with M - 1 drafts",
        (("specbound.bounds.rejections_batch:batch_rejection_probability", _one_draft_short),),
        (),
    ),
    M(
        "dirichlet-digamma-shift",
        "Dirichlet mu with psi(A) - psi(a) instead of psi(A+1) - psi(a+1)",
        (("specbound.bounds.branching_walk.moments:dirichlet_moments", _dirichlet_digamma_shift),),
        (("bw.moments", "Dir(0.5*1_10) mu"),),
    ),
    M(
        "rank-law-swapped",
        "rank law with target and draft swapped",
        (("specbound.bounds.exponential_races.rank_law:rank_distribution", _swapped_rank_law),),
        (),
    ),
    M(
        "rank-entropy-bits",
        "H[R] in bits in the ERSD bound",
        (("specbound.bounds.exponential_races.entropy_bound:rank_entropy", _rank_entropy_bits),),
        (),
    ),
    M(
        "asymptotic-without-variance",
        "asymptotic optimum without the mu2 / (2 mu^2) term",
        (
            (
                "specbound.bounds.branching_walk.bounds:asymptotic_accepted",
                _asymptotic_without_variance,
            ),
        ),
        (("bw.asymptotic_upper", "(0.5, 0.3, 0.2) P=100000 tol=0.07"),),
    ),
    M(
        "gsd-positional-scaled",
        "GSD positional acceptance vector 5% low",
        (("specbound.bounds.exponential_races.gsd:gsd_positional_acceptance", _scaled(0.95)),),
        (),
    ),
    # ------------------------------------------------------------- lp
    M(
        "minnorm-drops-a-draft",
        "multi-draft optimum computed without the last draft",
        (("specbound.lp.optimum:minnorm_optimum", _minnorm_drops_a_draft),),
        (("md.canonical", "n=4 zero draft mass"),),
    ),
    M(
        "nss-one-draft-short",
        "NSS / equality acceptance with the product over K - 1 drafts (p q^2 for one)",
        (("specbound.lp.baselines:nss_acceptance", _nss_one_draft_short),),
        (("audit.equality_acceptance", "single/reference n = 3"),),
    ),
    M(
        "positional-values-sorted",
        "positional tree optimum computed on the vector sorted (drafting order ignored)",
        (("specbound.trees.positional:positional_optimal_values", _positional_values_sorted),),
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
        (("specbound.simulations.speculative:verify", _inverted_ratio),),
        (("sd.output_law", "n=3 reference"),),
    ),
    M(
        "sampler-drops-last-token",
        "categorical sampler never draws the last token",
        (("specbound.simulations.sampling:sample_categorical", _last_token_never_drawn),),
        (),
    ),
    M(
        "drafts-from-the-first",
        "multi-draft sampler draws every draft from the first draft's law",
        (("specbound.simulations.multidraft:sample_drafts", _drafts_from_the_first),),
        (),
    ),
    M(
        "race-rank-off-by-one",
        "exponential-race rank counts the winner itself",
        (
            (
                "specbound.simulations.exponential_races.races:_winners_and_ranks",
                _rank_counts_itself,
            ),
        ),
        (("ersd.rank_law", "zeros n=16"),),
    ),
    M(
        "markov-sampler-skewed",
        "Markov model samples with sqrt(U) instead of U",
        (("specbound.simulations.markov:MarkovModel.sample_uniform", _markov_sample_shifted),),
        (),
    ),
    M(
        "token-walk-root-law",
        "token walk draws every node's token from the root's law",
        (("specbound.simulations.token_walks:law_outcomes", _law_outcomes_first_row),),
        (),
    ),
    # ------------------------------------------------------------- pairs, audit
    M(
        "pairs-entropy-bits",
        "per-position entropy of model outputs in bits",
        (("specbound.pairs.quantities:entropy_rows", _entropy_rows_bits),),
        (("pairs.target_entropy_mu", "synthetic V=512 T=0.8"),),
    ),
    M(
        "pairs-positional-scaled",
        "positional acceptance rows of model outputs 5% low",
        (("specbound.pairs.positional:positional_acceptance_rows", _scaled(0.95)),),
        (),
    ),
    M(
        "pairs-alpha-one-as-tv",
        "ERSD alpha_1 of model outputs taken as 1 - TV (the maximal coupling, not the race)",
        (("specbound.pairs.quantities:sorted_ratio_rows", _alpha_one_as_tv),),
        (),
    ),
    M(
        "audit-stale-residual",
        "the audit's exact law of the correct rule uses the stale residual (p - q)+",
        (("specbound.simulations.audit.exact_laws:node_outcome", _stale_audit_residual),),
        (("audit.tokens_per_step", "tree/n = 5/correct"),),
    ),
    M(
        "audit-power-overstated",
        "the audit's stated detectable TV half its true value",
        (("specbound.simulations.audit.power:detectable_tv", _scaled(0.5)),),
        (),
    ),
)


def mutant(name: str) -> Mutant:
    """The catalogue's mutant called ``name``."""
    for m in MUTANTS:
        if m.name == name:
            return m
    raise KeyError(f"mutant: unknown name {name!r}")
