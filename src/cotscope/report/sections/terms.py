"""The "Unusual terminology" section: emergent terms' curves, tracked terms, uses in context.

Everything shown comes from the `terms` result (`TermsResult`, which `cotscope analyse`
stores with the report's options); `section_data(result)` gives the figures for any
renderer, and the template writes the tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from cotscope.terms import REPORT_MAX_COTS, SuiteTerms, TermReport, TermsResult

from .._context import ReportContext
from .._sections import ReportSection
from .._templates import render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_CURVES = 8
"""Emergent (or tracked) terms drawn per small-multiples figure."""
OKABE_ITO_BLUE = "#0072B2"
OKABE_ITO_VERMILION = "#D55E00"
TREND_HEAD = ["term", "first rise", "CoTs using it", "per 1k words", "δ after vs before",
              "p (Holm)"]  # fmt: skip
OVERUSED_HEAD = ["term", "count", "CoTs", "per 1k", "human per 1k", "δ", "z"]


@dataclass
class SuiteSection:
    """What the section shows for one suite."""

    suite: SuiteTerms
    """The suite's result."""
    figures: list[tuple[str, Figure, str]] = field(default_factory=list)
    """(file stem, figure, alt text) for each figure."""


def _x(suite: SuiteTerms) -> list[float]:
    if suite.x_axis == "step":
        return [float(c.step or 0) for c in suite.checkpoints]
    return [float(i) for i in range(len(suite.checkpoints))]


def curves_figure(suite: SuiteTerms, reports: Sequence[TermReport], title: str) -> Figure:
    """Small multiples of rate per 1,000 words against step, one panel per term.

    The band is the rate's 95% interval (Poisson score, widened by between-CoT
    dispersion); a dotted line marks the first checkpoint significantly above the first.

    Args:
        suite: The suite (its checkpoints give the x axis).
        reports: The terms to draw, one panel each.
        title: Figure title.

    Returns:
        The figure (the caller saves and closes it).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    cols = min(4, len(reports)) or 1
    rows = math.ceil(len(reports) / cols) or 1
    fig = Figure(figsize=(2.6 * cols + 0.4, 2.1 * rows + 0.5), layout="constrained")
    fig.suptitle(title.replace("$", r"\$"), fontsize=10)
    xs = _x(suite)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    for ax, report in zip(axes.flat, reports, strict=False):
        ys = [p.rate_per_1k or 0.0 for p in report.checkpoints]
        lows = [p.rate_ci[0] if p.rate_ci else 0.0 for p in report.checkpoints]
        highs = [p.rate_ci[1] if p.rate_ci else 0.0 for p in report.checkpoints]
        ax.fill_between(xs, lows, highs, color=OKABE_ITO_BLUE, alpha=0.2, linewidth=0)
        ax.plot(xs, ys, marker="o", markersize=3, color=OKABE_ITO_BLUE)
        if report.first_rise_model_id is not None:
            at = [c.model_id for c in suite.checkpoints].index(report.first_rise_model_id)
            ax.axvline(xs[at], color=OKABE_ITO_VERMILION, linestyle=":", linewidth=1)
        ax.set_title(report.term.replace("$", r"\$"), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
    for ax in list(axes.flat)[len(reports) :]:
        ax.set_visible(False)
    fig.supxlabel("training step" if suite.x_axis == "step" else "model", fontsize=8)
    fig.supylabel("per 1,000 words", fontsize=8)
    return fig


def section_data(result: TermsResult, figures: bool = True) -> list[SuiteSection]:
    """The section's content per suite: the result and its figures.

    Args:
        result: An analysis.
        figures: Draw the figures (matplotlib).

    Returns:
        One entry per suite.
    """
    out = []
    for suite in result.suites:
        section = SuiteSection(suite)
        if figures and len(suite.checkpoints) >= 2:
            if suite.emergent:
                section.figures.append(
                    (
                        f"terms-emergent-{_series(suite)}",
                        curves_figure(
                            suite, suite.emergent[:MAX_CURVES], f"{suite.title}: emergent"
                        ),
                        f"rate per 1,000 words of the top emergent terms of {suite.title}",
                    )
                )
            used = [r for r in suite.tracked if r.count][:MAX_CURVES]
            if used:
                section.figures.append(
                    (
                        f"terms-tracked-{_series(suite)}",
                        curves_figure(suite, used, f"{suite.title}: tracked terms"),
                        f"rate per 1,000 words of the tracked terms of {suite.title}",
                    )
                )
        out.append(section)
    return out


def _series(suite: SuiteTerms) -> str:
    return f"{suite.suite}-{suite.run_id}" if suite.run_id else suite.suite


def _where(step: int | None, model_id: str | None) -> str:
    return f"step {step}" if step is not None else (model_id or "–")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _trend_rows(reports: Sequence[TermReport]) -> list[list[str]]:
    rows = []
    for r in reports:
        first, last = r.checkpoints[0], r.checkpoints[-1]
        rows.append(
            [
                r.term,
                _where(r.first_rise_step, r.first_rise_model_id) if r.first_rise_model_id else "–",
                f"{_pct(first.share)} → {_pct(last.share)}",
                f"{first.rate_per_1k or 0:.2f} → {last.rate_per_1k or 0:.2f}",
                "–" if r.effect_log_odds is None else f"{r.effect_log_odds:.2f}",
                "–" if r.trend is None else f"{r.trend.p_holm:.2g}",
            ]
        )
    return rows


def _overused_rows(reports: Sequence[TermReport]) -> list[list[str]]:
    return [
        [
            r.term + ("" if r.baseline_listed else " *"),
            f"{r.count:,}",
            f"{r.cots_with_term:,}",
            f"{r.rate_per_1k or 0:.2f}",
            f"{1000 * r.baseline_frequency:.2g}",
            f"{r.log_odds_vs_baseline or 0:.2f}",
            f"{r.z_vs_baseline or 0:.1f}",
        ]
        for r in reports
    ]


def _kwic(reports: Sequence[TermReport]) -> list[dict[str, Any]]:
    return [
        {
            "term": r.term,
            "lines": [
                {
                    "where": _where(line.step, line.model_id),
                    "left": line.left,
                    "keyword": line.keyword,
                    "right": line.right,
                }
                for line in r.kwic
            ],
        }  # fmt: skip
        for r in reports
        if r.kwic
    ]


def _suite(ctx: ReportContext, section: SuiteSection) -> dict[str, Any]:
    s = section.suite
    used = [r for r in s.tracked if r.count]
    return {
        "name": s.title,
        "anchor": f"terms-{_series(s)}",
        "checkpoints": len(s.checkpoints),
        "n_cots": f"{s.n_cots:,}",
        "n_words": f"{s.n_words:,}",
        "n_candidates": f"{s.n_candidates:,}",
        "notes": s.notes,
        "figures": [ctx.figure(name, fig, alt) for name, fig, alt in section.figures],
        "emergent": _trend_rows(s.emergent),
        "rising": _trend_rows(s.rising),
        "tracked": _trend_rows(used),
        "overused": _overused_rows(s.overused[:10]),
        "kwic": _kwic([*s.emergent, *used, *s.overused[:5]]),
    }


def _render(ctx: ReportContext) -> Markup | None:
    """The terms section; None when the run has no reasoning."""
    result = ctx.result("terms", TermsResult)
    if result is None:
        return None
    sections = [s for s in section_data(result, ctx.options.figures) if s.suite.n_cots]
    if not sections:
        return None
    return render(
        "sections/terms.html.j2",
        # The note names the run's sample count against the analysed share.
        samples=f"{ctx.stats.samples:,}" if result.sampled_share is not None else None,
        sampled_share=(
            None if result.sampled_share is None else f"{100 * result.sampled_share:.1f}%"
        ),
        max_cots=f"{REPORT_MAX_COTS:,}",
        checkpoint_bins=result.checkpoint_bins,
        suites=[_suite(ctx, s) for s in sections],
        trend_head=TREND_HEAD,
        overused_head=OVERUSED_HEAD,
    )


SECTION = ReportSection("terms", "Unusual terminology", order=50, render=_render)
