"""Comparing training runs: how far apart their rates are, and their changes.

Each run is one curve over its own steps. Two runs are compared on the steps both
cover (their rates pooled over those steps: unpaired, Fisher's exact test and
Newcombe's interval, since different runs see different rollouts) and by their
change points: the difference of the estimated change steps, with an interval from
the two runs' independent parametric bootstraps (draw i of one run minus draw i of
the other, central share). Differences are always the later-listed run minus the
first run.

A run that starts after the first one ends is a branch (a safety arm trained from
the first run's last checkpoint): it shares no steps, so its last checkpoint is
compared with the first run's last, the branch point — what the arm changed by its
end — instead of pooling two unrelated stretches of training.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._compare import Comparison, unpaired_comparison

if TYPE_CHECKING:
    from ._run_stats import RunStats


@dataclass(frozen=True)
class RunDiffRow:
    """One measure of one suite: run B against run A (B − A)."""

    suite: str
    measure: str
    run_a: str
    run_b: str
    first_step: int | None
    """First step both runs hold samples at (None on the label axis: all samples)."""
    last_step: int | None
    """Last step both runs hold samples at."""
    rates: Comparison
    """Rates pooled over the shared steps, B − A (unpaired)."""
    change_a: float | None
    """Run A's estimated change step (first step at the new rate), if a change is found."""
    change_b: float | None
    """Run B's estimated change step."""
    change_difference: float | None
    """change_b − change_a, in steps; None unless both runs have a significant change."""
    change_ci_low: float | None
    """Lower end of the interval of the difference of change steps."""
    change_ci_high: float | None
    """Upper end of the interval of the difference of change steps."""
    branch: bool = False
    """Run B starts after run A ends: B's last checkpoint (`last_step`) against A's last,
    the branch point (`first_step`), instead of rates pooled over shared steps."""

    def sentence(self) -> str:
        """The comparison in words, e.g. "run b − run a: hack rate −16 points [−26, −6] ..."."""
        c = self.rates
        where = (
            f"over steps {self.first_step:,}–{self.last_step:,}"
            if self.first_step is not None and self.last_step is not None
            else "over all samples"
        )
        if self.branch:
            where = (
                f"at step {self.last_step:,} against the branch point (step {self.first_step:,})"
            )
        text = f"run {self.run_b} − run {self.run_a}: {self.measure} rate "
        if c.difference is None or c.ci_low is None or c.ci_high is None:
            text += f"not comparable {where} (no samples in one run)"
        else:
            text += (
                f"{_points(c.difference)} points [{_points(c.ci_low)}, {_points(c.ci_high)}] "
                f"{where} ({c.k_a}/{c.n_a} vs {c.k_b}/{c.n_b})"
            )
        if self.change_difference is not None:
            text += (
                f"; its change comes {abs(self.change_difference):,g} steps "
                f"{'later' if self.change_difference >= 0 else 'earlier'} (step "
                f"{self.change_b:,g} vs {self.change_a:,g}; interval of the difference "
                f"{self.change_ci_low:+,g} to {self.change_ci_high:+,g} steps)"
            )
        elif self.change_a is None or self.change_b is None:
            text += "; a change point is found in " + (
                "neither run"
                if self.change_a is None and self.change_b is None
                else f"run {self.run_a if self.change_a is not None else self.run_b} only"
            )
        return text


def compare_runs(stats: RunStats, alpha: float = 0.05) -> list[RunDiffRow]:
    """Every later run against the first, per suite and measure (whole suite level).

    Args:
        stats: A run's statistics with two or more training runs.
        alpha: A change point enters the comparison when its p-value is below this.

    Returns:
        One row per (suite, measure, later run); empty with one run.
    """
    runs = stats.runs
    if len(runs) < 2:
        return []
    counts: dict[tuple[str, str, str], dict[int | None, tuple[int, int]]] = defaultdict(dict)
    for r in stats.rates:
        if r.level == "suite":
            counts[(r.suite, r.measure, r.run_id)][r.step] = (r.k, r.n)
    out = []
    base = runs[0]
    for suite, measures in stats.measures.items():
        for measure in measures:
            a = counts.get((suite, measure, base), {})
            for other in runs[1:]:
                b = counts.get((suite, measure, other), {})
                shared = sorted(set(a) & set(b), key=lambda s: -1 if s is None else s)
                if stats.x_axis != "step" or not shared:
                    shared = []
                steps_a = shared or list(a)
                steps_b = shared or list(b)
                branch = _branch(stats, a, b) if not shared else None
                if branch is not None:
                    shared = [branch[0][0], branch[1][0]]
                    steps_a, steps_b = branch
                ka, na = (sum(a[s][i] for s in steps_a) for i in (0, 1))
                kb, nb = (sum(b[s][i] for s in steps_b) for i in (0, 1))
                rates = unpaired_comparison(ka, na, kb, nb, stats.confidence)
                ca = _change(stats, suite, measure, base, alpha)
                cb = _change(stats, suite, measure, other, alpha)
                diff = low = high = None
                if ca is not None and cb is not None and branch is None:
                    draws = cb[1] - ca[1]
                    tail = (1 - stats.confidence) / 2
                    diff = cb[0] - ca[0]
                    low, high = (float(q) for q in np.quantile(draws, [tail, 1 - tail]))
                out.append(
                    RunDiffRow(
                        suite, measure, base, other,
                        shared[0] if shared else None, shared[-1] if shared else None,
                        rates, ca[0] if ca else None, cb[0] if cb else None, diff, low, high,
                        branch is not None,
                    )
                )  # fmt: skip
    return out


def _branch(
    stats: RunStats, a: dict[int | None, tuple[int, int]], b: dict[int | None, tuple[int, int]]
) -> tuple[list[int | None], list[int | None]] | None:
    """([A's last step], [B's last step]) when B starts after A ends, else None."""
    if stats.x_axis != "step" or not a or not b or None in a or None in b:
        return None
    last_a = max(s for s in a if s is not None)
    if min(s for s in b if s is not None) <= last_a:
        return None
    return [last_a], [max(s for s in b if s is not None)]


def _points(value: float) -> str:
    return f"{100 * value:+.0f}".replace("-", "−")


def _change(
    stats: RunStats, suite: str, measure: str, run_id: str, alpha: float
) -> tuple[float, np.ndarray] | None:
    row = stats.change_for(suite, None, measure, run_id)
    if row is None or row.change is None or row.change.p_value >= alpha:
        return None
    return row.change.step, row.change.location_draws()
