"""The report's interventions section: effects with intervals, reappearance, edited transcripts.

The section reads the effects `intervention_effects` computes and draws them; it
computes nothing of its own. The forest plot shows, per experiment, the edited
arm's effect beside the control's (both against the unedited base arm), then the
per-transcript effects; edited transcripts show the prefix with the inserted
sentence (or the removed one, struck out in the base arm) highlighted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cotscope.report import (
    Markup,
    ReportContext,
    Span,
    el,
    highlight,
    interval,
    join,
    pct,
    report_section,
    table,
)

from ._effects import EffectRow, InterventionEffects, intervention_effects
from ._table import TABLE, has_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_FOREST_ROWS = 40
"""Rows drawn in the forest plot (aggregates first)."""
MAX_TRANSCRIPTS = 12
"""Edited transcripts shown."""
_COLOURS = {"edited": "#D55E00", "control": "#0072B2"}


def forest_figure(rows: list[EffectRow]) -> Figure:
    """Differences with 95% intervals, one line per row, edited and control coloured.

    Args:
        rows: Effects to draw (top to bottom).

    Returns:
        The figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 0.32 * len(rows) + 1.0), layout="constrained")
    ax = fig.subplots()
    for y, row in enumerate(reversed(rows)):
        if row.difference is None:
            continue
        low = row.ci_low if row.ci_low is not None else row.difference
        high = row.ci_high if row.ci_high is not None else row.difference
        ax.errorbar(
            [100 * row.difference],
            [y],
            xerr=[[100 * (row.difference - low)], [100 * (high - row.difference)]],
            fmt="D" if row.scope == "aggregate" else "o",
            color=_COLOURS[row.arm],
            markersize=6 if row.scope == "aggregate" else 3,
            capsize=2,
        )
    ax.axvline(0, color="#999999", linewidth=0.8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([_name(r).replace("$", r"\$") for r in reversed(rows)], fontsize=7)
    ax.set_xlabel("change in action rate vs unedited continuation (percentage points)")
    return fig


def _name(row: EffectRow) -> str:
    who = "all transcripts" if row.scope == "aggregate" else (row.sample_uid or "")[:8]
    return f"{row.label[:40]} · {row.arm} · {who} (n={row.pairs})"


def _transcripts(ctx: ReportContext) -> Markup:
    rows = ctx.store.query(
        f"SELECT edit_label, sample_uid, arm, site, prefix, mark_start, mark_end, removed, "
        f"continuation, outcome, tries, reappeared FROM {TABLE} "
        "WHERE run = ? AND resample = 0 ORDER BY edit_key, sample_uid, site, arm LIMIT ?",
        [ctx.stats.run, MAX_TRANSCRIPTS * 3],
    )
    out = []
    limit = ctx.options.max_chars
    for r in rows:
        spans = []
        if r["mark_start"] is not None and r["mark_end"] is not None:
            label = "kept target" if r["arm"] == "base" else f"{r['arm']} insertion"
            spans.append(Span("reasoning", int(r["mark_start"]), int(r["mark_end"]), label))
        head = (
            f"{r['edit_label']} · {str(r['sample_uid'])[:8]} · sentence {r['site']} · "
            f"arm {r['arm']} · outcome {r['outcome']} · tries {r['tries']}"
        )
        parts = [el("h4", head)]
        if r["arm"] == "edited" and r["removed"] and r["mark_start"] is None:
            parts.append(el("p", "removed: ", el("del", r["removed"][:limit]), class_="muted"))
        parts.append(
            el(
                "pre",
                highlight(r["prefix"], spans, limit),
                el("span", f"\n▶ {r['continuation'][:limit]}", class_="cut"),
            )
        )
        out.append(el("article", *parts, class_="tx"))
    return join(out)


@report_section("interventions", "Interventions", order=70)
def interventions_section(ctx: ReportContext) -> Markup | None:
    """Effects of reasoning edits on the action, with control, reappearance and transcripts."""
    if not has_table(ctx.store.con):
        return None
    # As `cotscope analyse` stored it, else computed here.
    effects = ctx.result("interventions", InterventionEffects) or intervention_effects(
        ctx.store, ctx.stats.run
    )
    if not (effects.effects or effects.importance):
        return None
    parts: list[Markup] = [
        el(
            "p",
            "Each edit is compared with the unedited continuation cut at the same point of "
            "the same transcript (paired by resample seed). Aggregates are the unweighted "
            "mean over transcripts with a bootstrap interval over transcripts.",
            class_="muted",
        )
    ]
    aggregates = [e for e in effects.effects if e.scope == "aggregate"]
    per = [e for e in effects.effects if e.scope == "transcript"]
    drawn = (aggregates + per)[:MAX_FOREST_ROWS]
    if ctx.options.figures and drawn:
        parts.append(ctx.figure("interventions-forest", forest_figure(drawn), "forest plot"))
    head = ["experiment", "arm", "transcripts", "pairs", "unparseable base / arm",
            "errors base / arm", "base", "arm rate", "effect", "95% CI", "p"]  # fmt: skip
    parts.append(
        el(
            "p",
            "Rates are over pairs whose two continuations were both scored; a continuation "
            "that is unparseable (e.g. the reasoning never closed within the token budget) "
            "or whose scorer failed is left out of its pair and counted here.",
            class_="muted",
        )
    )
    parts.append(
        table(
            head,
            [
                [
                    e.label, e.arm, e.transcripts, e.pairs,
                    f"{e.unparseable_base} / {e.unparseable_arm}",
                    f"{e.errors_base} / {e.errors_arm}", pct(e.rate_base), pct(e.rate_arm),
                    pct(e.difference), interval(e.ci_low, e.ci_high),
                    "–" if e.p_value is None else f"{e.p_value:.3g}",
                ]
                for e in aggregates
            ],
        )
    )  # fmt: skip
    if effects.reappearance:
        parts.append(el("h3", "Reappearance of removed content"))
        parts.append(
            table(
                ["experiment", "checked", "reappeared (1st try)", "rate", "95% CI",
                 "still back", "mean tries"],
                [
                    [r.label, r.n, r.first_try, pct(r.rate), interval(r.ci_low, r.ci_high),
                     r.still_back, "–" if r.mean_tries is None else f"{r.mean_tries:.2f}"]
                    for r in effects.reappearance
                ],
            )
        )  # fmt: skip
    if effects.importance:
        parts.append(el("h3", "Sentence importance (resampling)"))
        top = sorted(effects.importance, key=lambda r: -abs(r.shift or 0))[:30]
        parts.append(
            table(
                ["transcript", "sentence", "text", "different", "after", "shift", "95% CI", "TV"],
                [
                    [r.sample_uid[:8], r.site, r.sentence[:120], r.n_different, r.n_next,
                     pct(r.shift), interval(r.ci_low, r.ci_high),
                     "–" if r.tv_distance is None else f"{r.tv_distance:.2f}"]
                    for r in top
                ],
            )
        )  # fmt: skip
    parts.append(el("h3", "Edited transcripts (first resample)"))
    parts.append(_transcripts(ctx))
    return join(parts)
