"""The report section: emergent terms' curves, tracked terms over steps, uses in context.

`section_data(result)` returns what the section shows (the tables' rows and the
matplotlib figures) for any renderer; `terms_section` renders it into the HTML
report through `cotscope.report`'s `@report_section` extension point. The report
computes nothing here that the analysis does not own: it calls `analyse_terms`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..report import Markup, ReportContext, el, join, report_section, table
from ._analyse import analyse_terms
from ._models import REPORT_MAX_COTS, SuiteTerms, TermReport, TermsOptions, TermsResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_CURVES = 8
"""Emergent (or tracked) terms drawn per small-multiples figure."""
OKABE_ITO_BLUE = "#0072B2"
OKABE_ITO_VERMILION = "#D55E00"


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
                        f"terms-emergent-{suite.suite}",
                        curves_figure(
                            suite, suite.emergent[:MAX_CURVES], f"{suite.suite}: emergent"
                        ),
                        f"rate per 1,000 words of the top emergent terms of {suite.suite}",
                    )
                )
            used = [r for r in suite.tracked if r.count][:MAX_CURVES]
            if used:
                section.figures.append(
                    (
                        f"terms-tracked-{suite.suite}",
                        curves_figure(suite, used, f"{suite.suite}: tracked terms"),
                        f"rate per 1,000 words of the tracked terms of {suite.suite}",
                    )
                )
        out.append(section)
    return out


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


def _kwic(reports: Sequence[TermReport]) -> Markup:
    items = []
    for r in reports:
        if not r.kwic:
            continue
        lines = [
            el(
                "li",
                el("span", _where(line.step, line.model_id), class_="muted small"),
                " …",
                line.left,
                el("mark", line.keyword),
                line.right,
                "…",
            )
            for line in r.kwic
        ]
        items.append(el("details", el("summary", f"{r.term} in context"), el("ul", *lines)))
    return join(items)


def _suite_html(ctx: ReportContext, section: SuiteSection) -> Markup:
    s = section.suite
    parts: list[Any] = [el("h3", f"Suite {s.suite}", id=f"terms-{s.suite}")]
    parts.append(
        el(
            "p",
            f"{len(s.checkpoints)} checkpoints, {s.n_cots:,} CoTs, {s.n_words:,} words, "
            f"{s.n_candidates:,} words tested.",
            class_="muted small",
        )
    )
    parts += [el("p", note, class_="muted small") for note in s.notes]
    for name, fig, alt in section.figures:
        parts.append(ctx.figure(name, fig, alt))
    head = ["term", "first rise", "CoTs using it", "per 1k words", "δ after vs before", "p (Holm)"]
    if s.emergent:
        parts += [el("h4", "Emergent terms"), table(head, _trend_rows(s.emergent))]
    elif len(s.checkpoints) >= 2:
        parts.append(el("p", "No emergent terms."))
    if s.rising:
        parts += [
            el("h4", "Rising terms (in use from the start)"),
            table(head, _trend_rows(s.rising)),
        ]
    used = [r for r in s.tracked if r.count]
    if used:
        parts += [el("h4", "Tracked terms"), table(head, _trend_rows(used))]
    if s.overused:
        parts.append(el("h4", "Overused against human text"))
        parts.append(
            table(
                ["term", "count", "CoTs", "per 1k", "human per 1k", "δ", "z"],
                [
                    [
                        r.term + ("" if r.baseline_listed else " *"),
                        f"{r.count:,}",
                        f"{r.cots_with_term:,}",
                        f"{r.rate_per_1k or 0:.2f}",
                        f"{1000 * r.baseline_frequency:.2g}",
                        f"{r.log_odds_vs_baseline or 0:.2f}",
                        f"{r.z_vs_baseline or 0:.1f}",
                    ]
                    for r in s.overused[:10]
                ],
            )
        )
    parts.append(_kwic([*s.emergent, *used, *s.overused[:5]]))
    return join(parts)


METHOD_NOTE = (
    "Words are tokenised as wordfreq tokenises its human-text baseline. δ is the log-odds "
    "ratio with an informative Dirichlet prior (Monroe et al. 2008), natural logs; against "
    "human text the baseline is wordfreq's English frequencies as a 10⁹-word pseudo-corpus. "
    "Emergent: near zero at the first checkpoint, with a significantly rising share of CoTs "
    "(one-sided Cochran–Armitage, Holm across words) and a first checkpoint significantly "
    "above the first (Fisher exact, Holm across checkpoints). Bands are 95% intervals of the "
    "rate, widened for uses clustered within CoTs."
)


@report_section("terms", "Unusual terminology", order=50)
def terms_section(ctx: ReportContext) -> Markup | None:
    """Render the terms section of the HTML report; None when the run has no reasoning."""
    stored = ctx.result("terms", TermsResult)  # `analyse` ran it with these same options
    if stored is not None:
        result = stored
    else:
        options = TermsOptions(kwic=5, max_cots=REPORT_MAX_COTS)
        result = analyse_terms(ctx.store, options, str(ctx.run_dir))
    sections = [s for s in section_data(result, ctx.options.figures) if s.suite.n_cots]
    if not sections:
        return None
    note = METHOD_NOTE
    if result.sampled_share is not None:
        note += (
            f" The run holds {ctx.store.count():,} samples: the report analyses a fixed "
            f"{100 * result.sampled_share:.1f}% of them (about {REPORT_MAX_COTS:,}, chosen by "
            "a hash of the sample id); `cotscope terms` analyses all."
        )
    if result.checkpoint_bins:
        note += (
            f" This run has more checkpoints than the analysis can test one by one, so they "
            f"are grouped into {result.checkpoint_bins} bins of consecutive steps of about "
            "equal n, each labelled by its first step."
        )
    return join([el("p", note, class_="muted small"), *(_suite_html(ctx, s) for s in sections)])
