"""Matplotlib figures of the report (Agg backend, imported lazily).

Colours are the Okabe–Ito palette, distinguishable with the common colour-vision
deficiencies; families beyond seven also change line style and marker. Where a
training run enters a new phase (checkpoints that record one), a dashed grey line
carries the phase's name.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from cotscope.stats import RateRow, RunStats

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")
_STYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def _plain(text: str) -> str:
    """Names are data: keep matplotlib from reading `$...$` in them as mathtext."""
    return text.replace("$", r"\$")


def _n_text(rows: list[RateRow]) -> str:
    ns = [r.n for r in rows]
    return f"n={min(ns)}" if min(ns) == max(ns) else f"n={min(ns)}–{max(ns)}"


def phase_changes(stats: RunStats) -> list[tuple[float, str]]:
    """Where a training run enters a new phase: (x of its first checkpoint, phase name).

    Only on a step axis, and only between checkpoints that both record a phase.
    """
    if stats.x_axis != "step":
        return []
    marks: dict[float, str] = {}
    for run_id in stats.runs:
        models = sorted((m for m in stats.models if m.run_id == run_id), key=lambda m: m.x)
        for before, after in zip(models, models[1:], strict=False):
            if before.phase and after.phase and before.phase != after.phase:
                marks.setdefault(after.x, after.phase)
    return sorted(marks.items())


def _mark_phases(ax: Axes, stats: RunStats) -> None:
    for x, phase in phase_changes(stats):
        ax.axvline(x, color="#555555", linestyle=(0, (4, 3)), linewidth=0.8, zorder=0)
        ax.text(x, 99, f" {_plain(phase)}", rotation=90, va="top", ha="left", fontsize=6.5,
                color="#555555")  # fmt: skip


def rate_figure(stats: RunStats, suite: str, measure: str, max_families: int = 14) -> Figure:
    """Rate of one measure against step (or model), one line per variant family.

    Each point is the unweighted mean of the family's per-variant rates; the band
    is its 95% interval (bootstrap over variants; Wilson for a one-variant family).
    A filled star marks the first checkpoint significantly above the first (Holm).

    Args:
        stats: The run's statistics.
        suite: Suite to draw.
        measure: Outcome label whose rate is drawn.
        max_families: Families drawn at most (the largest by samples first).

    Returns:
        The figure (caller saves and closes it).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = [
        r for r in stats.rates if r.suite == suite and r.measure == measure and r.level == "family"
    ]
    by_family: dict[str, list[RateRow]] = defaultdict(list)
    for r in rows:
        by_family[r.family or ""].append(r)
    order = {m.model_id: i for i, m in enumerate(stats.models)}
    x_of = {m.model_id: (m.x if stats.x_axis == "step" else i) for i, m in enumerate(stats.models)}
    families = sorted(by_family, key=lambda f: -sum(r.n for r in by_family[f]))[:max_families]
    families.sort()
    rises = {
        r.family: r.first_rise_model_id
        for r in stats.rises
        if r.suite == suite and r.measure == measure
    }

    fig = Figure(figsize=(8.0, 4.6), layout="constrained")
    ax = fig.add_subplot()
    for i, fam in enumerate(families):
        pts = sorted(
            (r for r in by_family[fam] if r.rate is not None), key=lambda r: order[r.model_id]
        )
        if not pts:
            continue
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        style = _STYLES[(i // len(OKABE_ITO)) % len(_STYLES)]
        xs = [x_of[r.model_id] for r in pts]
        ys = [100 * (r.rate or 0.0) for r in pts]
        lows = [100 * (r.ci_low if r.ci_low is not None else r.rate or 0.0) for r in pts]
        highs = [100 * (r.ci_high if r.ci_high is not None else r.rate or 0.0) for r in pts]
        variants = max(r.n_variants for r in pts)
        label = _plain(
            f"{fam} ({variants} variant{'s' if variants != 1 else ''}, {_n_text(pts)}/point)"
        )
        ax.fill_between(xs, lows, highs, color=colour, alpha=0.18, linewidth=0)
        ax.plot(
            xs,
            ys,
            style,
            color=colour,
            marker=_MARKERS[i % len(_MARKERS)],
            markersize=4,
            linewidth=1.8,
            label=label,
        )
        first = rises.get(fam)
        if first is not None and first in x_of:
            hit = next(r for r in pts if r.model_id == first)
            ax.plot(
                [x_of[first]],
                [100 * (hit.rate or 0.0)],
                marker="*",
                markersize=13,
                color=colour,
                markeredgecolor="black",
                linestyle="none",
            )

    _mark_phases(ax, stats)
    if stats.x_axis == "step":
        ax.set_xlabel("training step")
    else:
        ax.set_xlabel("model")
        ax.set_xticks(
            range(len(stats.models)),
            [_plain(m.tick) for m in stats.models],
            rotation=30,
            ha="right",
        )
    ax.set_ylabel(_plain(f"{measure} rate (% of parseable samples)"))
    ax.set_ylim(-2, 102)
    ax.grid(True, alpha=0.3)
    ax.set_title(_plain(f"{suite}: {measure} rate by variant family, 95% intervals"))
    if families:
        ax.legend(
            fontsize=7.5,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            title="family  (★ first significant rise)",
            title_fontsize=7.5,
        )
    return fig


def run_figure(stats: RunStats, suite: str, measure: str, alpha: float = 0.05) -> Figure:
    """Rate of one measure over training steps, one colour per training run.

    All variants of the suite are pooled per step. A run with many steps
    (`stats.binned_for`) is drawn as bins of equal n with their intervals (points
    and bars) and a kernel-smoothed curve with its pointwise band; a sparse run as
    its per-step rates with Wilson bands. A significant change point is a dotted
    vertical line at the first step at the new rate, its location interval shaded.

    Args:
        stats: The run's statistics (step axis).
        suite: Suite to draw.
        measure: Outcome label whose rate is drawn.
        alpha: A change point is drawn when its p-value is below this.

    Returns:
        The figure (caller saves and closes it).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 4.6), layout="constrained")
    ax = fig.add_subplot()
    several = len(stats.runs) > 1
    for i, run_id in enumerate(stats.runs):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        name = _plain(f"run {run_id}" if several else "all variants")
        binned = stats.binned_for(suite, measure, run_id)
        if binned is not None:
            mids = [(b.first_step + b.last_step) / 2 for b in binned.bins]
            ys = [100 * b.rate for b in binned.bins]
            errs = [
                [100 * (b.rate - b.ci_low) for b in binned.bins],
                [100 * (b.ci_high - b.rate) for b in binned.bins],
            ]
            ax.errorbar(mids, ys, yerr=errs, fmt="o", color=colour, markersize=3.5,
                        elinewidth=1, capsize=0,
                        label=name + f" (bins of n≈{binned.bins[0].n})")  # fmt: skip
            xs = [p.step for p in binned.smooth]
            ax.plot(xs, [100 * p.rate for p in binned.smooth], "-", color=colour, linewidth=1.6)
            ax.fill_between(xs, [100 * p.ci_low for p in binned.smooth],
                            [100 * p.ci_high for p in binned.smooth],
                            color=colour, alpha=0.18, linewidth=0)  # fmt: skip
        else:
            pts = [
                r
                for r in stats.curve(suite, measure, run_id)
                if r.rate is not None and r.step is not None
            ]
            if not pts:
                continue
            xs = [float(r.step or 0) for r in pts]
            lows = [100 * (r.ci_low if r.ci_low is not None else r.rate or 0.0) for r in pts]
            highs = [100 * (r.ci_high if r.ci_high is not None else r.rate or 0.0) for r in pts]
            ax.fill_between(xs, lows, highs, color=colour, alpha=0.18, linewidth=0)
            ax.plot(xs, [100 * (r.rate or 0.0) for r in pts], "-", color=colour,
                    marker=_MARKERS[i % len(_MARKERS)], markersize=4, linewidth=1.8,
                    label=name + f" ({_n_text(pts)}/step)")  # fmt: skip
        row = stats.change_for(suite, None, measure, run_id)
        change = row.change if row is not None else None
        if change is not None and change.p_value < alpha:
            ax.axvspan(change.interval_after_step, change.interval_by_step, color=colour,
                       alpha=0.12, linewidth=0)  # fmt: skip
            ax.axvline(change.after.first_step, color=colour, linestyle=":", linewidth=1.4)
    _mark_phases(ax, stats)
    ax.set_xlabel("training step")
    ax.set_ylabel(_plain(f"{measure} rate (% of parseable samples)"))
    ax.set_ylim(-2, 102)
    ax.grid(True, alpha=0.3)
    title = "by training run" if several else "all variants pooled"
    ax.set_title(_plain(f"{suite}: {measure} rate {title}, 95% intervals"))
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              title="dotted: change point\n(shaded: its interval)",
              title_fontsize=7.5)  # fmt: skip
    return fig
