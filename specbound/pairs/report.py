"""The human-readable side of a pair analysis: summary rows and ``pair.md``.

The table "which number answers which question" names, for every number, the
drafting model it assumes, so that no number is read as a ceiling on a scheme it
does not describe (the speed-of-light curve bounds deterministic trees chosen with
knowledge of the target, not sampled drafts).
"""

from __future__ import annotations

#: (number, question it answers, drafting model it assumes)
QUESTIONS = (
    (
        "acceptance mean",
        "How often is one draft token accepted?",
        "one draft token sampled from q, verified by speculative sampling "
        "(accept min(1, p/q), else resample the residual)",
    ),
    (
        "chain, i.i.d.",
        "Tokens per target call with gamma drafts if every position had the mean acceptance",
        "one chain of gamma drafts sampled from q; independent positions, each at the mean alpha",
    ),
    (
        "chain, along the text",
        "Tokens per target call with gamma drafts, position by position",
        "one chain of gamma drafts sampled from q; alphas of the text's own next positions "
        "(teacher forcing), exact while drafts are accepted",
    ),
    (
        "multidraft_identical",
        "Best chance that one of K drafts is accepted at a position",
        "K independent drafts sampled from q, the optimal multi-draft verification "
        "(Khisti et al.); one level, tokens per step 1 + value",
    ),
    (
        "ersd_alpha_one_mean",
        "Chance the first draft is accepted when draft and target share randomness",
        "coupled exponential races (ERSD, Kobus & Gunduz): the draft's race order "
        "against the target's race winner",
    ),
    (
        "positional vector, tree",
        "Tokens per target call of the best fixed token tree of B drafted tokens",
        "a fixed token tree; at each node candidates sampled from q without replacement "
        "and verified one after another (Sequoia); positions i.i.d. with the corpus vector; "
        "a node drafts a prefix of its candidates (exact for any order of the vector)",
    ),
    (
        "speed of light",
        "Tokens per target call of the best tree of B tokens chosen knowing the target's laws",
        "a deterministic token tree chosen with perfect knowledge of p (Pankratov & "
        "Alistarh), laws drawn i.i.d. from the corpus; a ceiling for deterministic "
        "drafters only: sampled drafts (the rows above) can exceed it",
    ),
)


def summary_rows(doc: dict) -> list[list[str]]:
    """(quantity, value) rows for the terminal table of ``specbound pair``."""
    acc = doc["acceptance"]
    rows = [
        ["positions x vocab", f"{doc['positions']} x {doc['vocab']}"],
        ["acceptance mean (1 - TV)", f"{acc['mean']:.6f} +/- {acc['se']:.2g}"],
        ["ERSD alpha(1) mean", f"{doc['ersd_alpha_one_mean']:.6f}"],
        ["target entropy mu, mu2 (nats)", "{mu:.4f}, {mu2:.4f}".format(**doc["target_entropy"])],
    ]
    md = doc["multidraft_identical"]
    for k, v in zip(md["K"], md["acceptance_mean"], strict=True):
        rows.append([f"best acceptance, {k} identical drafts", f"{v:.6f}"])
    ch = doc["chain"]
    for g, a, b in zip(
        ch["gamma"], ch["tokens_per_step_iid"], ch["tokens_per_step_along_text"], strict=True
    ):
        if g in (1, 2, 4, 8, 16):
            rows.append([f"chain gamma={g}: tokens/step iid, along text", f"{a:.4f}, {b:.4f}"])
    vec = ", ".join(f"{a:.4f}" for a in doc["positional_acceptance"])
    rows.append(["positional acceptance a_1..a_k", vec])
    tree = doc["tree"]
    for b, v in zip(tree["budget"], tree["tokens_per_step"], strict=True):
        if b in (1, 8, 64, 1024):
            rows.append([f"best tree, {b} tokens: tokens/step ({tree['relaxation']})", f"{v:.4f}"])
    sol = doc.get("speed_of_light") or {}
    for i, b in enumerate(sol.get("budget", [])):
        if b in (1, 8, 64, 1024):
            bound = sol["bound_tokens_per_step"][i]
            text = "no bound (mu = 0)" if bound is None else f"bound {bound:.3f}"
            if "optimal_tokens_per_step" in sol:
                text += (
                    f", optimal {sol['optimal_tokens_per_step'][i]:.3f}"
                    f" +/- {sol['optimal_se'][i]:.2g}"
                )
            rows.append([f"speed of light, {b} tokens: tokens/step", text])
    return rows


def markdown(doc: dict, description: str, figures: list[str]) -> str:
    """The ``pair.md`` report: summary, the question table, figures."""
    lines = [
        "# Model pair report",
        "",
        description,
        "",
        "## Summary",
        "",
        "| quantity | value |",
        "|---|---|",
        *(f"| {a} | {b} |" for a, b in summary_rows(doc)),
        "",
        "## Which number answers which question",
        "",
        "| number | question | drafting model assumed |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in QUESTIONS),
        "",
        "Tokens per step count the verifier's bonus token. Every number is exact for the",
        "laws given (float64 after processing) except the speed-of-light optimal-tree mean,",
        "a Monte Carlo average over environments (with its standard error).",
        "",
    ]
    if figures:
        lines += ["## Figures", ""]
        lines += [f"![{name}]({name})" for name in figures]
        lines.append("")
    return "\n".join(lines)
