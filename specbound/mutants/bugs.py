"""The bugs of the mutation catalogue: factories original -> buggy replacement.

Each factory receives the patched target's original object and returns the buggy one
(most wrap the original, so the bug is the one-line change the catalogue describes in
:mod:`specbound.mutants.catalogue`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import special


def scaled(factor: float):
    """Factory: the original's result times ``factor``."""

    def factory(original):
        def scaled(*args, **kwargs):
            return factor * np.asarray(original(*args, **kwargs))

        return scaled

    return factory


def log2_row_moments(original):
    def row_moments(p):
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = np.where(p > 0, np.log2(np.where(p > 0, p, 1.0)), 0.0)
        plog = p * logp
        return -plog.sum(axis=1), (plog * logp).sum(axis=1), (p * p).sum(axis=1)

    return row_moments


def scaled_weights(original):
    def draw_weights(law, rng, size):
        w, z = original(law, rng, size)
        return w * 0.95, z

    return draw_weights


def sqrt_importance(original):
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


def drop_largest_bin(original):
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


def unnormalised_specinfer(original):
    def residuals(target, drafts):
        k, n = drafts.shape
        out = np.empty((k + 1, n))
        out[0] = target
        for j in range(k):
            out[j + 1] = np.maximum(out[j] - drafts[j], 0.0)
        return out

    return residuals


def greedy_ersd_verifier(original):
    def verify(key, drafted):
        real = [i for i, y in enumerate(drafted) if y >= 0]
        return (drafted[real[0]], real[0]) if real else original(key, drafted)

    return verify


def scaled_tree_value(original):
    return property(lambda self: 0.95 * float(self.path_probability.sum()))


def clipped_residual(original):
    def exact_residual(target, part, where):
        return np.maximum(target - part, 0.0)

    return exact_residual


def chain_without_bonus(original):
    def tokens(alpha, gamma):
        return original(alpha, gamma) - alpha**gamma

    return tokens


def acceptance_from_doubled_tv(original):
    def acceptance(target, draft):
        return max(0.0, 2.0 * original(target, draft) - 1.0)

    return acceptance


def one_draft_short(original):
    def batch(target, draft, num_drafts):
        return original(target, draft, max(1, num_drafts - 1))

    return batch


def dirichlet_digamma_shift(original):
    def moments(concentration, n):
        a, big = float(concentration), n * float(concentration)
        mean_log = special.digamma(a) - special.digamma(big)
        var_log = special.polygamma(1, a + 1) - special.polygamma(1, big + 1)
        return float(-mean_log), float(mean_log**2 + var_log), float((a + 1) / (big + 1))

    return moments


def swapped_rank_law(original):
    def rank_law(target, draft, *args, **kwargs):
        return original(draft, target, *args, **kwargs)

    return rank_law


def rank_entropy_bits(original):
    def entropy(rank_law):
        return original(rank_law) / np.log(2.0)

    return entropy


def asymptotic_without_variance(original):
    def value(mu, mu2, size):
        return original(mu, 0.0, size)

    return value


def optimum_drops_a_draft(original):
    def optimum(p, q, *args, **kwargs):
        return original(p, q[:-1], *args, **kwargs) if q.shape[0] > 1 else original(p, q)

    return optimum


def nss_one_draft_short(original):
    def nss(target, drafts):
        q = np.atleast_2d(np.asarray(drafts, dtype=np.float64))
        return original(target, q[:-1]) if q.shape[0] > 1 else original(target, q) ** 2

    return nss


def positional_values_sorted(original):
    def values(acceptance, max_size, max_depth=None):
        return original(np.sort(np.asarray(acceptance))[::-1], max_size, max_depth)

    return values


def alpha_one_as_tv(original):
    def rows(target, draft, *args, **kwargs):
        _, multi = original(target, draft, *args, **kwargs)
        return np.minimum(target, draft).sum(axis=-1), multi

    return rows


def inverted_ratio(original):
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


def last_token_never_drawn(original):
    def sample(probs, size, rng):
        cdf = np.cumsum(probs)
        top = cdf[-2] if cdf.size > 1 else cdf[-1]
        return np.searchsorted(cdf, rng.random(size) * top, side="right")

    return sample


def drafts_from_the_first(original):
    def sample(drafts, size, rng):
        return original(np.repeat(drafts[:1], drafts.shape[0], axis=0), size, rng)

    return sample


def rank_counts_itself(original):
    def ranks(log_w, log_p, log_q):
        x, r = original(log_w, log_p, log_q)
        return x, r + 1

    return ranks


def stale_audit_residual(original):
    def node_outcome(rule, p, s, qs, x, k):
        if rule.residual == "update" and rule.equality is None:
            rule = dataclasses.replace(rule, residual="stale")
        return original(rule, p, s, qs, x, k)

    return node_outcome


def markov_sample_shifted(original):
    def sample_uniform(self, state, u):
        return original(self, state, np.sqrt(u))

    return sample_uniform


def entropy_rows_bits(original):
    def entropy(target):
        h, h2 = original(target)
        return h / np.log(2.0), h2 / np.log(2.0) ** 2

    return entropy


def law_outcomes_first_row(original):
    def outcomes(laws, node_law):
        return original(laws, np.zeros_like(np.asarray(node_law)))

    return outcomes


def spectr_rho_small(original):
    def rho(target, draft, k, iterations=200):
        return 0.9 * original(target, draft, k, iterations)

    return rho


def wor_prefix_iid(original):
    """Prefix brackets with W(T) = q(T)^K: the draws treated as i.i.d. (with replacement)."""

    def buggy(p, q, k):
        order, _, _, info = original(p, q, k)
        f = (
            np.concatenate([[0.0], np.cumsum(p[order])])
            - np.concatenate([[0.0], np.cumsum(q[order])]) ** k
        )
        return order, f, f, info

    return buggy


def rrs_stale_draft_law(original):
    """Recursive rejection without replacement keeping rejected tokens in the draft law."""

    def residuals(p, q, history):
        r, _ = original(p, q, history)
        return r, np.tile(q, (history.shape[0], 1))

    return residuals
