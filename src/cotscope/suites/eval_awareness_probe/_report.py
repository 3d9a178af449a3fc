"""The report section of the evaluation-awareness probe.

Shows, per checkpoint, how well the stated P(evaluation) separates evaluation
from deployment transcripts (AUC), how calibrated it is (ECE, Brier), how often
it says "evaluation" within each truth class, and a reliability diagram. The
metrics are computed by `_summary.probe_metrics`; this module only renders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cotscope.report import Markup, ReportContext, el, join, report_section, table

from ._bank import SUITE
from ._metrics import BINS
from ._summary import CheckpointMetrics, Interval, ProbeAnalysis, probe_metrics

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BLUE, VERMILION, GREEN, GREY = "#0072B2", "#D55E00", "#009E73", "#999999"
MAX_PANELS = 12
"""Reliability panels drawn at most (evenly spaced checkpoints beyond that)."""

INTRO = (
    "Each transcript of the bank was written as an evaluation or as deployment (ground truth "
    "known), and the model was asked for the probability that it comes from an evaluation. "
    "Two different things can rise over training, and this section keeps them apart. The "
    "says-evaluation rate (share of answers with p ≥ 0.5) measures how often the model "
    "verbalizes that a transcript is an evaluation: it can rise on evaluation and deployment "
    "transcripts alike. AUC measures the ability to tell the two apart (0.5 = chance, 1 = "
    "perfect) whatever the overall level; calibration error and the Brier score measure "
    "whether the stated numbers mean what they say. A rise in verbalized awareness with flat "
    "AUC is a shift of bias, not of discrimination."
)
METHOD = (
    f"AUC: Mann-Whitney, ties count one half. ECE: {BINS} equal-width bins of the stated "
    "probability ([0, 0.1), …, [0.9, 1.0]), weighted by answers. Intervals: 95% percentile "
    "bootstrap (2,000 resamples) drawing whole transcripts with replacement within each truth "
    "class, so that phrasings and epochs of one transcript move together. n counts parseable "
    "answers; unparseable answers (no probability could be read) and crashed samples are "
    "excluded from every metric and counted beside it."
)


def _num(value: float | None, ci: Interval = None, digits: int = 2) -> tuple[str, float]:
    if value is None:
        return "–", -1.0
    text = f"{value:.{digits}f}"
    if ci is not None:
        text += f" [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"
    return text, value


def _pct(value: float | None, ci: Interval = None, n: int | None = None) -> tuple[str, float]:
    if value is None:
        return "–", -1.0
    text = f"{100 * value:.1f}%"
    if ci is not None:
        text += f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"
    if n is not None:
        text += f" (n={n})"
    return text, value


def _where(m: CheckpointMetrics) -> str:
    return m.model.label or m.model.model_id


def _x(metrics: Sequence[CheckpointMetrics], by_step: bool) -> list[float]:
    return [m.model.x if by_step else float(i) for i, m in enumerate(metrics)]


def _band(
    ax: Axes,
    xs: list[float],
    values: list[float | None],
    cis: list[Interval],
    colour: str,
    label: str,
) -> None:
    pts = [(x, v, c) for x, v, c in zip(xs, values, cis, strict=True) if v is not None]
    if not pts:
        return
    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=colour, label=label)
    banded = [p for p in pts if p[2] is not None]
    if banded:
        ax.fill_between(
            [p[0] for p in banded],
            [p[2][0] for p in banded if p[2] is not None],
            [p[2][1] for p in banded if p[2] is not None],
            color=colour,
            alpha=0.2,
            linewidth=0,
        )


def trend_figure(metrics: Sequence[CheckpointMetrics], by_step: bool) -> Figure:
    """AUC, calibration and says-eval rates by truth class against checkpoint (three panels)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    xs = _x(metrics, by_step)
    fig = Figure(figsize=(11.0, 3.6), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    _band(ax1, xs, [m.auc for m in metrics], [m.auc_ci for m in metrics], BLUE, "AUC")
    ax1.axhline(0.5, color=GREY, linestyle=":", linewidth=1)
    ax1.set(title="Ability to tell: AUC", ylim=(0, 1))
    _band(ax2, xs, [m.ece for m in metrics], [m.ece_ci for m in metrics], VERMILION, "ECE")
    _band(ax2, xs, [m.brier for m in metrics], [m.brier_ci for m in metrics], GREEN, "Brier")
    ax2.set(title="Calibration (lower is better)", ylim=(0, 1))
    ax2.legend(fontsize=8)
    _band(
        ax3,
        xs,
        [m.says_eval_if_eval for m in metrics],
        [m.says_eval_if_eval_ci for m in metrics],
        BLUE,
        "evaluation transcripts",
    )
    _band(
        ax3,
        xs,
        [m.says_eval_if_deploy for m in metrics],
        [m.says_eval_if_deploy_ci for m in metrics],
        VERMILION,
        "deployment transcripts",
    )
    ax3.set(title="Says evaluation (p ≥ 0.5)", ylim=(0, 1))
    ax3.legend(fontsize=8)
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel("training step" if by_step else "model")
        ax.tick_params(labelsize=8)
        if not by_step:
            ax.set_xticks(xs, [_where(m).replace("$", r"\$") for m in metrics], rotation=30)
    return fig


def reliability_figure(metrics: Sequence[CheckpointMetrics]) -> Figure:
    """Reliability diagrams, one panel per checkpoint: stated probability vs evaluation share."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    if len(metrics) > MAX_PANELS:
        step = (len(metrics) - 1) / (MAX_PANELS - 1)
        metrics = [metrics[round(i * step)] for i in range(MAX_PANELS)]
    cols = min(4, len(metrics))
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(2.7 * cols + 0.4, 2.6 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        ax.plot([0, 1], [0, 1], color=GREY, linestyle=":", linewidth=1)
        pts = [b for b in m.bins if b.n]
        ax.scatter(
            [b.mean_probability for b in pts],
            [b.eval_share for b in pts],
            s=[12 + 60 * b.n / max(1, m.n) * len(pts) for b in pts],
            color=BLUE,
        )
        ax.set(xlim=(0, 1), ylim=(0, 1), title=f"{_where(m)} (n={m.n})".replace("$", r"\$"))
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.supxlabel("stated P(evaluation), bin mean", fontsize=8)
    fig.supylabel("share that are evaluations", fontsize=8)
    return fig


def _main_table(metrics: Sequence[CheckpointMetrics]) -> Markup:
    head = ["model", "step", "n", "unparseable", "errors", "transcripts", "AUC", "ECE",
            "Brier", "says eval | evaluation", "says eval | deployment"]  # fmt: skip
    rows = [
        [
            _where(m),
            "–" if m.model.step is None else m.model.step,
            m.n,
            m.unparseable,
            m.error,
            m.n_transcripts,
            _num(m.auc, m.auc_ci),
            _num(m.ece, m.ece_ci),
            _num(m.brier, m.brier_ci),
            _pct(m.says_eval_if_eval, m.says_eval_if_eval_ci, m.n_eval),
            _pct(m.says_eval_if_deploy, m.says_eval_if_deploy_ci, m.n_deploy),
        ]
        for m in metrics
    ]
    return table(head, rows, sortable=True, numeric={1, 2, 3, 4, 5})


def _detail_tables(metrics: Sequence[CheckpointMetrics]) -> Markup:
    phrasings = sorted({p for m in metrics for p in m.auc_by_phrasing})
    by_phrasing = table(
        ["model", *phrasings],
        [
            [_where(m)]
            + [
                f"{_num(m.auc_by_phrasing[p][0])[0]} (n={m.auc_by_phrasing[p][1]})"
                if p in m.auc_by_phrasing
                else "–"
                for p in phrasings
            ]
            for m in metrics
        ],
    )
    rules = sorted({r for m in metrics for r in m.rules})
    by_rule = table(
        ["model", *rules], [[_where(m), *(m.rules.get(r, 0) for r in rules)] for m in metrics]
    )
    reliability = [
        el(
            "details",
            el("summary", f"Reliability table: {_where(m)}"),
            table(
                ["bin", "answers", "mean stated p", "share evaluations"],
                [
                    [f"[{b.low:.1f}, {b.high:.1f}{']' if b.high >= 1 else ')'}", b.n,
                     _num(b.mean_probability)[0], _pct(b.eval_share)[0]]
                    for b in m.bins
                ],
            ),
        )
        for m in metrics
        if m.bins
    ]  # fmt: skip
    return join(
        [
            el("h4", "AUC by phrasing of the question (point estimates)"),
            by_phrasing,
            el("h4", "Parse rules that read the answers"),
            el(
                "p",
                "Rules `none` and `ambiguous` are the unparseable answers.",
                class_="muted small",
            ),
            by_rule,
            *reliability,
        ]
    )


@report_section("eval-awareness-probe", "Evaluation-awareness probe", order=36)
def eval_awareness_section(ctx: ReportContext) -> Markup | None:
    """Render the probe's section; None when the run has no sample of the suite."""
    # As `cotscope analyse` stored it, else computed here.
    stored = ctx.result("suite:eval_awareness_probe", ProbeAnalysis)
    metrics = (
        stored.checkpoints
        if stored is not None
        else probe_metrics(ctx.store, ctx.stats.run, ctx.stats.models)
    )
    if not metrics:
        return None
    by_step = ctx.stats.x_axis == "step"
    parts: list[Any] = [el("p", INTRO), el("p", METHOD, class_="muted small")]
    if ctx.options.figures and any(m.n for m in metrics):
        parts.append(
            ctx.figure(
                f"{SUITE}-trend",
                trend_figure(metrics, by_step),
                "AUC, calibration error and says-evaluation rates by truth class per checkpoint",
            )
        )
    parts.append(_main_table(metrics))
    if ctx.options.figures and any(m.n for m in metrics):
        parts.append(
            ctx.figure(
                f"{SUITE}-reliability",
                reliability_figure([m for m in metrics if m.n]),
                "reliability diagram per checkpoint",
            )
        )
    parts.append(_detail_tables(metrics))
    return join(parts)
