"""The "Rubric elicitation" section: capability-centred rubrics per checkpoint.

Shows the capability-centred rate per checkpoint with intervals and its trend, the
judge-based rate beside the lexical one when `rubric-focus` grades exist, a figure,
a table per environment, and the lexical classifier's measured precision and recall
on the hand-labelled set, all from the suite's stored analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from cotscope.suites.rubric_elicitation import (
    SUITE,
    CheckpointRate,
    LexiconCheck,
    RubricFocusAnalysis,
    Series,
)

from .._context import ReportContext
from .._format import interval, p_text, pct
from .._sections import ReportSection
from .._templates import render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SPLIT_TEXT = {
    "dev": "dev set, in-sample",
    "heldout-v1": "v1's held-out set, read before v2 was written (not strictly held out)",
    "heldout-v2": "held-out, written after the lexicon was frozen",
}
"""How each split of the labelled set is described."""


def _cell(r: CheckpointRate | None) -> str:
    if r is None or r.aggregate.mean_rate is None:
        return "no data"
    a = r.aggregate
    return f"{pct(a.mean_rate)} {interval(a.ci_low, a.ci_high)} ({a.k}/{a.n}, {a.n_variants} env.)"


def _excluded(r: CheckpointRate | None) -> str:
    if r is None or not r.excluded:
        return "0"
    return ", ".join(f"{k} {v}" for k, v in sorted(r.excluded.items()))


def _trend(series: Series, who: str) -> str:
    t = series.trend
    if t.p_value is None:
        return f"{who}: trend not testable ({t.note})."
    word = {"increasing": "rises", "decreasing": "falls", "none": "is flat"}[t.direction or "none"]
    signif = "" if t.p_value < 0.05 else "no significant trend: "
    return (
        f"{who}: {signif}capability-centred {word} over checkpoints (logistic trend, "
        f"{t.n_clusters} environments as clusters, {p_text(t.p_value)})."
    )


def _check_text(c: LexiconCheck) -> str:
    return (
        f"{SPLIT_TEXT[c.split]} (n={c.n}): {c.correct}/{c.n} correct; capability-centred "
        f"precision {pct(c.capability_precision)} "
        f"{interval(*(c.capability_precision_interval or (None, None)))}, recall "
        f"{pct(c.capability_recall)} "
        f"{interval(*(c.capability_recall_interval or (None, None)))}; "
        f"alignment-centred recall {pct(c.alignment_recall)}"
    )


def _figure(a: RubricFocusAnalysis) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    colours = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
    for i, s in enumerate([a.lexical, *a.judges]):
        pts = [(r.model.x, r.aggregate) for r in s.rates if r.measure == "capability-centred"]
        pts = [(x, g) for x, g in pts if g.mean_rate is not None]
        ys = [g.mean_rate or 0.0 for _, g in pts]
        if not pts:
            continue
        xs = [x for x, _ in pts]
        ax.plot(xs, ys, marker="o", color=colours[i % 4],
                label=s.source.replace("$", r"\$"))  # fmt: skip
        ax.fill_between(xs, [g.ci_low or 0 for _, g in pts], [g.ci_high or 0 for _, g in pts],
                        color=colours[i % 4], alpha=0.2)  # fmt: skip
    ax.set_xticks([m.x for m in a.models], [m.tick.replace("$", r"\$") for m in a.models])
    ax.set_ylim(0, 1)
    ax.set_ylabel("capability-centred rubrics")
    ax.set_xlabel("checkpoint")
    ax.legend(loc="best", fontsize=8)
    return fig


def _checkpoint_table(a: RubricFocusAnalysis) -> tuple[list[str], list[list[Any]]]:
    head = ["model", "step", "capability-centred (lexical)", "alignment-centred", "mixed",
            "not classified"]  # fmt: skip
    head += [f"capability-centred ({s.source})" for s in a.judges]
    head += [f"not classified ({s.source})" for s in a.judges]
    rows = []
    for m in a.models:
        lex = a.lexical.rate(m.model_id)
        row: list[Any] = [
            m.model_id, "" if m.step is None else m.step, _cell(lex),
            _cell(a.lexical.rate(m.model_id, "alignment-centred")),
            _cell(a.lexical.rate(m.model_id, "mixed")), _excluded(lex),
        ]  # fmt: skip
        row += [_cell(s.rate(m.model_id)) for s in a.judges]
        row += [_excluded(s.rate(m.model_id)) for s in a.judges]
        rows.append(row)
    return head, rows


def _environment_table(a: RubricFocusAnalysis) -> tuple[list[str], list[list[Any]]]:
    head = ["environment", "family", *(m.tick for m in a.models)]
    rows = []
    for env, family in a.environments.items():
        row: list[Any] = [env, family]
        for m in a.models:
            c = a.lexical.cells.get((m.model_id, env))
            if c is None:
                row.append("")
                continue
            k = c.by_outcome.get("capability-centred", 0)
            shown = f"{pct(k / c.n) if c.n else 'no data'} ({k}/{c.n}; +{c.excluded} n.c.)"
            row.append((shown, k / c.n if c.n else -1))
        rows.append(row)
    return head, rows


def _render(ctx: ReportContext) -> Markup | None:
    a = ctx.result(f"suite:{SUITE}", RubricFocusAnalysis)
    if a is None:
        return None
    trends = [_trend(a.lexical, "Lexical"), *(_trend(s, f"Judge {s.source}") for s in a.judges)]
    figure = Markup()
    if ctx.options.figures:
        figure = ctx.figure("rubric-elicitation-capability", _figure(a),
                            "capability-centred rubric rate per checkpoint")  # fmt: skip
    checkpoint_head, checkpoint_rows = _checkpoint_table(a)
    environment_head, environment_rows = _environment_table(a)
    return render(
        "sections/rubric_elicitation.html.j2",
        lexicon=a.lexicon,
        checks=[_check_text(c) for c in a.lexicon_checks],
        checkpoint_head=checkpoint_head,
        checkpoint_rows=checkpoint_rows,
        trends=trends,
        judged=bool(a.judges),
        figure=figure,
        environment_head=environment_head,
        environment_rows=environment_rows,
    )


SECTION = ReportSection("rubric_elicitation", "Rubric elicitation", order=52, render=_render)
