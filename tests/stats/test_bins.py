"""Dense runs: bins of equal n and the smoothed curve, against direct computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cotscope.stats import multiple_changes, wilson_interval
from cotscope.stats._bins import binned_rates, equal_n_bins, smoothed_rate
from cotscope.stats._changepoint import MAX_SEARCH_BLOCKS


def _log(steps: int, seed: int, at: int | None = None) -> tuple[list[int], list[int], list[int]]:
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 4, size=steps).tolist()
    p = [0.05 if at is None or s < at else 0.9 for s in range(steps)]
    k = [int(rng.binomial(n[s], p[s])) for s in range(steps)]
    return list(range(steps)), k, n


@pytest.mark.parametrize("seed", range(5))
def test_bins_partition_the_steps_with_about_equal_n(seed: int) -> None:
    x, k, n = _log(500, seed)
    bins = equal_n_bins(x, k, n, bins=20)
    assert bins[0].first_step == 0 and bins[-1].last_step == 499
    for a, b in zip(bins, bins[1:], strict=False):
        assert b.first_step == a.last_step + 1  # consecutive, no step split or lost
    assert sum(b.n for b in bins) == sum(n) and sum(b.k for b in bins) == sum(k)
    target = sum(n) / 20
    assert all(abs(b.n - target) <= 3 for b in bins[:-1])  # at most one step's n off
    for b in bins:
        low, high = wilson_interval(b.k, b.n)  # type: ignore[misc]
        assert (b.ci_low, b.ci_high) == pytest.approx((low, high))


def test_smoothed_rate_is_the_kernel_weighted_mean() -> None:
    x, k, n = _log(300, 1, at=150)
    curve, h = smoothed_rate(x, k, n, points=7)
    assert h == pytest.approx(0.03 * 299)
    for point in curve:
        w = [math.exp(-0.5 * ((s - point.step) / h) ** 2) for s in x]
        total = sum(wi * ni for wi, ni in zip(w, n, strict=True))
        rate = sum(wi * ki for wi, ki in zip(w, k, strict=True)) / total
        n_eff = total**2 / sum(wi * wi * ni for wi, ni in zip(w, n, strict=True))
        assert point.rate == pytest.approx(rate)
        assert point.n_effective == pytest.approx(n_eff)
        assert point.ci_low <= point.rate <= point.ci_high
    assert curve[0].rate < 0.2 and curve[-1].rate > 0.75


def test_binned_rates_show_a_planted_jump() -> None:
    x, k, n = _log(1000, 2, at=600)
    binned = binned_rates(x, k, n, bins=40)
    before = [b for b in binned.bins if b.last_step < 600]
    after = [b for b in binned.bins if b.first_step >= 600]
    assert all(b.ci_low < 0.05 < b.ci_high or b.rate < 0.2 for b in before)
    assert all(b.rate > 0.7 for b in after)


def test_long_runs_are_searched_on_blocks_and_still_find_the_change() -> None:
    x, k, n = _log(3000, 4, at=1800)
    seg = multiple_changes(x, k, n)
    assert seg is not None and seg.blocks is not None and seg.blocks <= MAX_SEARCH_BLOCKS
    assert len(seg.segments) == 2
    width = 3000 / seg.blocks * 3  # blocks hold ~7.5 steps; allow a couple of blocks
    assert abs(seg.segments[1].first_step - 1800) <= width
    short = multiple_changes(x[:300], k[:300], n[:300])
    assert short is not None and short.blocks is None
