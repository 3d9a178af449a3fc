"""The "Evaluation-awareness probe" section: telling evaluations apart vs saying "evaluation".

Shows, per checkpoint, how well the stated P(evaluation) separates evaluation from
deployment transcripts (AUC), how calibrated it is (ECE, Brier), how often it says
"evaluation" within each truth class, and a reliability diagram. The metrics are
the suite's stored analysis (`suite:eval_awareness_probe`); this module only draws
and lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from cotscope.suites.eval_awareness_probe import (
    BINS,
    SUITE,
    CheckpointMetrics,
    Interval,
    ProbeAnalysis,
)

from .._context import ReportContext
from .._sections import ReportSection
from .._templates import render

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BLUE, VERMILION, GREEN, GREY = "#0072B2", "#D55E00", "#009E73", "#999999"
MAX_PANELS = 12
"""Reliability panels drawn at most (evenly spaced checkpoints beyond that)."""


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


def _trend_figure(metrics: Sequence[CheckpointMetrics], by_step: bool) -> Figure:
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


def _reliability_figure(metrics: Sequence[CheckpointMetrics]) -> Figure:
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


def _main_rows(metrics: Sequence[CheckpointMetrics]) -> list[list[Any]]:
    return [
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


def _details(metrics: Sequence[CheckpointMetrics]) -> dict[str, Any]:
    phrasings = sorted({p for m in metrics for p in m.auc_by_phrasing})
    by_phrasing = [
        [_where(m)]
        + [
            f"{_num(m.auc_by_phrasing[p][0])[0]} (n={m.auc_by_phrasing[p][1]})"
            if p in m.auc_by_phrasing
            else "–"
            for p in phrasings
        ]
        for m in metrics
    ]
    rules = sorted({r for m in metrics for r in m.rules})
    reliability = [
        (
            _where(m),
            [
                [
                    f"[{b.low:.1f}, {b.high:.1f}{']' if b.high >= 1 else ')'}",
                    b.n,
                    _num(b.mean_probability)[0],
                    _pct(b.eval_share)[0],
                ]
                for b in m.bins
            ],  # fmt: skip
        )
        for m in metrics
        if m.bins
    ]
    return {
        "phrasing_head": ["model", *phrasings],
        "phrasing_rows": by_phrasing,
        "rule_head": ["model", *rules],
        "rule_rows": [[_where(m), *(m.rules.get(r, 0) for r in rules)] for m in metrics],
        "reliability": reliability,
    }


def _render(ctx: ReportContext) -> Markup | None:
    analysis = ctx.result(f"suite:{SUITE}", ProbeAnalysis)
    if analysis is None or not analysis.checkpoints:
        return None
    metrics = analysis.checkpoints
    drawn = ctx.options.figures and any(m.n for m in metrics)
    trend = reliability = Markup()
    if drawn:
        trend = ctx.figure(
            f"{SUITE}-trend",
            _trend_figure(metrics, ctx.stats.x_axis == "step"),
            "AUC, calibration error and says-evaluation rates by truth class per checkpoint",
        )
        reliability = ctx.figure(
            f"{SUITE}-reliability",
            _reliability_figure([m for m in metrics if m.n]),
            "reliability diagram per checkpoint",
        )
    return render(
        "sections/eval_awareness_probe.html.j2",
        bins=BINS,
        trend_figure=trend,
        main_rows=_main_rows(metrics),
        reliability_figure=reliability,
        **_details(metrics),
    )


SECTION = ReportSection(
    "eval-awareness-probe", "Evaluation-awareness probe", order=36, render=_render
)
