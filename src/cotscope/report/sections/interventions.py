"""The "Interventions" section: effects with intervals, reappearance, edited transcripts.

The numbers are the `interventions` result (`InterventionEffects`); the edited
transcripts are read through `cotscope.interventions.edited_examples`. The forest plot
shows, per experiment, the edited arm's effect beside the control's (both against
the unedited base arm), then the per-transcript effects; edited transcripts show the
prefix with the inserted sentence (or the kept target, in the base arm) highlighted
and a removed sentence struck out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from cotscope.interventions import EditedExample, EffectRow, InterventionEffects, edited_examples

from .._context import ReportContext
from .._format import interval, pct
from .._sections import ReportSection
from .._templates import render

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


def _prefix_parts(example: EditedExample, limit: int) -> dict[str, Any]:
    """The prefix cut at `limit`, as plain and marked stretches, and how much was cut."""
    text = example.prefix[:limit]
    parts: list[dict[str, str | None]] = []
    start, end = example.mark_start, example.mark_end
    if start is not None and end is not None:
        end = min(end, len(text))
    if start is None or end is None or start >= end:
        parts.append({"text": text, "mark": None})
    else:
        label = "kept target" if example.arm == "base" else f"{example.arm} insertion"
        parts += [
            {"text": text[:start], "mark": None},
            {"text": text[start:end], "mark": label},
            {"text": text[end:], "mark": None},
        ]
    cut = len(example.prefix) - limit
    return {"parts": parts, "cut": f"{cut:,}" if cut > 0 else None}


def _transcript(example: EditedExample, limit: int) -> dict[str, Any]:
    head = (
        f"{example.edit_label} · {example.sample_uid[:8]} · sentence {example.site} · "
        f"arm {example.arm} · outcome {example.outcome} · tries {example.tries}"
    )
    removed = (
        example.removed[:limit]
        if example.arm == "edited" and example.removed and example.mark_start is None
        else None
    )
    return {
        "head": head,
        "removed": removed,
        **_prefix_parts(example, limit),
        "continuation": example.continuation[:limit],
    }


def _p(p: float | None) -> str:
    return "–" if p is None else f"{p:.3g}"


def _render(ctx: ReportContext) -> Markup | None:
    """Effects of reasoning edits on the action, with control, reappearance and transcripts."""
    effects = ctx.result("interventions", InterventionEffects)
    if effects is None or not (effects.effects or effects.importance):
        return None
    aggregates = [e for e in effects.effects if e.scope == "aggregate"]
    per = [e for e in effects.effects if e.scope == "transcript"]
    drawn = (aggregates + per)[:MAX_FOREST_ROWS]
    forest = (
        ctx.figure("interventions-forest", forest_figure(drawn), "forest plot")
        if ctx.options.figures and drawn
        else None
    )
    effect_rows = [
        [e.label, e.arm, e.transcripts, e.pairs, f"{e.unparseable_base} / {e.unparseable_arm}",
         f"{e.errors_base} / {e.errors_arm}", pct(e.rate_base), pct(e.rate_arm),
         pct(e.difference), interval(e.ci_low, e.ci_high), _p(e.p_value)]
        for e in aggregates
    ]  # fmt: skip
    reappearance = [
        [r.label, r.n, r.first_try, pct(r.rate), interval(r.ci_low, r.ci_high), r.still_back,
         "–" if r.mean_tries is None else f"{r.mean_tries:.2f}"]
        for r in effects.reappearance
    ]  # fmt: skip
    top = sorted(effects.importance, key=lambda r: -abs(r.shift or 0))[:30]
    importance = [
        [r.sample_uid[:8], r.site, r.sentence[:120], r.n_different, r.n_next, pct(r.shift),
         interval(r.ci_low, r.ci_high), "–" if r.tv_distance is None else f"{r.tv_distance:.2f}"]
        for r in top
    ]  # fmt: skip
    examples = edited_examples(ctx.store, ctx.stats.run, MAX_TRANSCRIPTS * 3)
    return render(
        "sections/interventions.html.j2",
        forest=forest,
        effects=effect_rows,
        reappearance=reappearance,
        importance=importance,
        transcripts=[_transcript(x, ctx.options.max_chars) for x in examples],
    )


SECTION = ReportSection("interventions", "Interventions", order=70, render=_render)
