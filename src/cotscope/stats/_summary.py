"""The run's findings in a paragraph: one sentence per measure and training run.

This is what a colleague reads first: for each suite, measure and run (whole suite,
all variants pooled) where the rate starts and ends, where it changes, whether it
trends, where it first rises, and how the runs differ. The report opens with it and
`cotscope stats --json` carries it, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._changepoint import ChangePoint, Segment, Segmentation

if TYPE_CHECKING:
    from ._run_stats import PhaseRow, RateRow, RiseRow, RunStats
    from ._trend import TrendResult


@dataclass(frozen=True)
class SummaryLine:
    """One finding of the summary."""

    suite: str
    measure: str
    run_id: str
    """The training run (`""`: the one unnamed run, or a run-to-run comparison's base)."""
    kind: str
    """`measure` (one run's curve), `phase` (its curve within one training phase) or
    `runs` (a comparison of two runs)."""
    text: str
    """The finding as a sentence."""


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.0f}%"


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f" [{100 * low:.0f}, {100 * high:.0f}]"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _step(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _where(stats: RunStats, row: RateRow) -> str:
    if stats.x_axis == "step":
        return f"step {_step(row.step)}"
    return row.label or row.model_id


def _ends(stats: RunStats, rows: list[RateRow], bins: list[Segment] | None) -> str:
    """Where the curve starts and ends: first and last checkpoint, or bin when dense."""
    if bins:
        a, b = bins[0], bins[-1]
        return (
            f"{_pct(a.rate)}{_ci(a.ci_low, a.ci_high)} over steps {_step(a.first_step)}–"
            f"{_step(a.last_step)} (n = {a.n}) → {_pct(b.rate)}{_ci(b.ci_low, b.ci_high)} over "
            f"steps {_step(b.first_step)}–{_step(b.last_step)} (n = {b.n})"
        )
    r0, r1 = rows[0], rows[-1]
    first = f"{_pct(r0.rate)}{_ci(r0.ci_low, r0.ci_high)} at {_where(stats, r0)} (n = {r0.n})"
    if r0 is r1:
        return first
    return (
        f"{first} → {_pct(r1.rate)}{_ci(r1.ci_low, r1.ci_high)} at {_where(stats, r1)} (n = {r1.n})"
    )


def _change(change: ChangePoint | None, several: Segmentation | None, alpha: float) -> str:
    if change is None:
        return ""
    if change.p_value >= alpha:
        text = f"no change point ({_p(change.p_value)} against one rate)"
    else:
        text = change.sentence("the rate").removeprefix("the rate ")
    if several is not None and len(several.segments) > 2:
        steps = ", ".join(_step(s.first_step) for s in several.segments[1:])
        rates = " → ".join(_pct(s.rate) for s in several.segments)
        text += f"; the penalised search finds {len(several.segments) - 1} changes (at steps "
        text += f"{steps}: {rates})"
    return text


def _trend(t: TrendResult, alpha: float, axis: str) -> str:
    if t.p_value is None:
        return f"trend not testable ({t.note})"
    along = "training step" if axis == "step" else "model order"
    if t.p_value >= alpha:
        return f"no significant trend with {along} ({_p(t.p_value)})"
    word = {"increasing": "rises", "decreasing": "falls"}.get(t.direction or "", "changes")
    return f"{word} with {along} ({_p(t.p_value)})"


def _rise(stats: RunStats, rise: RiseRow) -> str:
    if rise.first_rise_step is not None or rise.first_rise_model_id is not None:
        if stats.x_axis == "step":
            last = rise.first_rise_last_step
            at = (
                f"steps {_step(rise.first_rise_step)}–{_step(last)}"
                if last is not None and last != rise.first_rise_step
                else f"step {_step(rise.first_rise_step)}"
            )
        else:
            m = next(m for m in stats.models if m.model_id == rise.first_rise_model_id)
            at = m.label or m.model_id
        return f"first significantly above the start at {at} (Holm)"
    if rise.tests:
        return "never significantly above the start (Holm)"
    return ""


def _phase(row: PhaseRow, who: str, alpha: float) -> str:
    steps = f"step {_step(row.first_step)}"
    if row.last_step != row.first_step:
        steps = f"steps {_step(row.first_step)}–{_step(row.last_step)}"
    parts = []
    if row.change.change is not None:
        parts.append(_change(row.change.change, row.change.segmentation, alpha))
    elif row.checkpoints >= 3 and row.change.note:
        parts.append(f"no change point ({row.change.note})")
    if row.checkpoints >= 2:
        parts.append(_trend(row.trend, alpha, "step"))
    said = "; ".join(p for p in parts if p) or "one checkpoint, nothing to test"
    return f"{who}, within phase {row.phase} ({steps}): {said}."


def summarise(stats: RunStats, alpha: float = 0.05) -> list[SummaryLine]:
    """One sentence per suite, measure and training run, then one per run comparison.

    Args:
        stats: A run's statistics.
        alpha: Significance level for calling a change, trend or rise.

    Returns:
        The lines in suite, measure and run order.
    """
    several_runs = len(stats.runs) > 1
    lines = []
    for suite, measures in stats.measures.items():
        for measure in measures:
            for run_id in stats.runs:
                rows = [r for r in stats.curve(suite, measure, run_id) if r.rate is not None]
                who = f"{measure} rate" if measure == suite else f"{suite}, {measure} rate"
                who += f", run {run_id}" if several_runs else ""
                if not rows:
                    lines.append(SummaryLine(suite, measure, run_id, "measure",
                                             f"{who}: no parseable sample."))  # fmt: skip
                    continue
                binned = stats.binned_for(suite, measure, run_id)
                parts = [_ends(stats, rows, binned.bins if binned else None)]
                key = (suite, None, measure, run_id)
                change = stats.change_for(*key)
                if change is not None and change.change is not None:
                    parts.append(_change(change.change, change.segmentation, alpha))
                elif change is not None and change.note:
                    parts.append(f"no change point ({change.note})")
                trend = next(
                    (t for t in stats.trends if (t.suite, t.family, t.measure, t.run_id) == key),
                    None,
                )
                if trend is not None:
                    parts.append(_trend(trend.result, alpha, stats.x_axis))
                rise = next(
                    (r for r in stats.rises if (r.suite, r.family, r.measure, r.run_id) == key),
                    None,
                )
                falls = (
                    trend is not None
                    and trend.result.direction == "decreasing"
                    and (trend.result.p_value or 1.0) < alpha
                )
                said = _rise(stats, rise) if rise is not None else ""
                if said and not (falls and said.startswith("never")):
                    parts.append(said)  # "never above the start" says nothing of a fall
                text = f"{who}: " + "; ".join(p for p in parts if p) + "."
                lines.append(SummaryLine(suite, measure, run_id, "measure", text))
                lines += [
                    SummaryLine(suite, measure, run_id, "phase", _phase(p, who, alpha))
                    for p in stats.phases
                    if (p.suite, p.measure, p.run_id) == (suite, measure, run_id)
                    and p.checkpoints >= 2
                ]
            for d in stats.run_diffs:
                if (d.suite, d.measure) == (suite, measure):
                    text = f"{suite}: {d.sentence()}."
                    lines.append(SummaryLine(suite, measure, d.run_a, "runs", text))
    return lines
