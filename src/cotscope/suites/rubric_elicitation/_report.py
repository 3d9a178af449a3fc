"""The report section of the rubric-elicitation suite (found by the report automatically).

Shows the capability-centred rate per checkpoint with intervals and its trend,
the judge-based rate beside the lexical one when `rubric-focus` grades exist, a
figure, a table per environment, and the lexical classifier's measured precision
and recall on the hand-labelled set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cotscope.report import Markup, ReportContext, el, interval, join, p_text, pct, report_section
from cotscope.report import table as html_table

from ._analysis import CheckpointRate, RubricFocusAnalysis, Series, analyse
from ._lexicon import load_lexicon
from ._validate import Split, validate_lexicon

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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


def _validation() -> Markup:
    lexicon = load_lexicon()
    parts = []
    splits: tuple[tuple[Split, str], ...] = (
        ("dev", "dev set, in-sample"),
        ("heldout-v1", "v1's held-out set, read before v2 was written (not strictly held out)"),
        ("heldout-v2", "held-out, written after the lexicon was frozen"),
    )
    for split, what in splits:
        v = validate_lexicon(split=split)
        if not v.n:
            continue
        cap, ali = v.score("capability-centred"), v.score("alignment-centred")
        parts.append(
            f"{what} (n={v.n}): {v.correct}/{v.n} correct; capability-centred precision "
            f"{pct(cap.precision)} {interval(*(cap.precision_interval or (None, None)))}, recall "
            f"{pct(cap.recall)} {interval(*(cap.recall_interval or (None, None)))}; "
            f"alignment-centred recall {pct(ali.recall)}"
        )
    return el(
        "p",
        f"Lexical classifier {lexicon.label} on the shipped hand-labelled rubrics — ",
        "; ".join(parts),
        ". A text that is no rubric, or a rubric without one term of the lists, is "
        "unparseable, not a guess: treat the lexical rate as a prescreen.",
        class_="muted small",
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


def _checkpoint_table(a: RubricFocusAnalysis) -> Markup:
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
    return html_table(head, rows)


def _environment_table(a: RubricFocusAnalysis) -> Markup:
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
    return html_table(head, rows, sortable=True)


@report_section("rubric_elicitation", "Rubric elicitation", order=52)
def rubric_elicitation_section(ctx: ReportContext) -> Markup | None:
    """Capability-centred rubric rate per checkpoint, per environment, lexical and judged."""
    # As `cotscope analyse` stored it, else computed here.
    a = ctx.result("suite:rubric_elicitation", RubricFocusAnalysis) or analyse(ctx.store, ctx.stats)
    if a is None:
        return None
    intro = el(
        "p",
        "The model writes the grading rubric of an alignment environment. Each rubric is "
        "classified as alignment-, capability-centred or mixed. A rate per checkpoint is the "
        "unweighted mean over environments (ask phrasings pooled within an environment), with a "
        "95% bootstrap interval over environments and k/n pooled; rubrics that could not be "
        "classified (unparseable, errors; for judges failed grades and not-a-rubric) are counted "
        "apart, never in n. The prediction: capability-centred rises over capabilities training.",
        class_="muted",
    )
    trends = [_trend(a.lexical, "Lexical"), *(_trend(s, f"Judge {s.source}") for s in a.judges)]
    if not a.judges:
        trends.append(
            "No rubric-focus grades in this run: `cotscope grade <run> --grader rubric-focus "
            "--judge <model>` adds the judge-based rate beside the lexical one."
        )
    parts: list[Any] = [intro, _validation(), _checkpoint_table(a)]
    parts.append(el("ul", *(el("li", t) for t in trends)))
    if ctx.options.figures:
        parts.append(ctx.figure("rubric-elicitation-capability", _figure(a),
                                "capability-centred rubric rate per checkpoint"))  # fmt: skip
    parts += [el("h3", "Per environment (lexical, capability-centred)"), _environment_table(a)]
    return join(parts)
