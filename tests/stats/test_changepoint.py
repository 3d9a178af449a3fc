"""Change points of a binomial rate: against brute force, and on planted curves."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import binom

from cotscope.stats._changepoint import multiple_changes, single_change


def _full_log_lik(k: np.ndarray, n: np.ndarray, segments: list[tuple[int, int]]) -> float:
    """Log-likelihood with every constant, each segment at its own MLE (scipy)."""
    total = 0.0
    for a, b in segments:
        p = k[a:b].sum() / n[a:b].sum()
        total += float(binom.logpmf(k[a:b], n[a:b], p).sum())
    return total


@pytest.mark.parametrize("seed", range(20))
def test_single_split_is_the_brute_force_maximum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 9))
    n = rng.integers(1, 8, size=m)
    k = rng.binomial(n, rng.uniform(0, 1, size=m))
    steps = np.sort(rng.choice(1000, size=m, replace=False))
    found = single_change(steps, k, n, resamples=50)
    assert found is not None
    scores = [_full_log_lik(k, n, [(0, j), (j, m)]) for j in range(1, m)]
    best = max(scores)
    j = int(np.searchsorted(steps, found.after.first_step))
    assert math.isclose(scores[j - 1], best, rel_tol=1e-9, abs_tol=1e-9)
    pooled = _full_log_lik(k, n, [(0, m)])
    assert math.isclose(found.log_likelihood_ratio, best - pooled, abs_tol=1e-9)
    assert found.before.k + found.after.k == k.sum()


def test_a_planted_jump_is_located_with_its_interval() -> None:
    rng = np.random.default_rng(3)
    steps = np.arange(0, 2000, 50)  # 40 steps, a few rollouts each
    n = rng.integers(5, 11, size=len(steps))
    p = np.where(steps < 1200, 0.05, 0.95)
    k = rng.binomial(n, p)
    cp = single_change(steps, k, n)
    assert cp is not None
    assert cp.before.last_step == 1150 and cp.after.first_step == 1200
    assert cp.interval_after_step <= 1150 and cp.interval_by_step >= 1200
    assert cp.p_value < 0.01
    assert cp.before.ci_low <= 0.05 <= cp.before.ci_high
    assert cp.after.ci_low <= 0.95 <= cp.after.ci_high
    text = cp.sentence("hack rate")
    assert text.startswith("hack rate shifts from ") and "between steps 1,150 and 1,200" in text


def test_repeated_steps_are_pooled_and_empty_steps_dropped() -> None:
    a = single_change([0, 0, 1, 2, 3], [1, 0, 0, 5, 5], [2, 2, 0, 5, 5], resamples=50)
    b = single_change([0, 2, 3], [1, 5, 5], [4, 5, 5], resamples=50)
    assert a is not None and b is not None
    assert a.before == b.before and a.after == b.after
    assert single_change([4], [1], [3]) is None


def test_no_change_is_rarely_called_a_change() -> None:
    """Under a constant rate the p-value is valid: about 5% below 0.05."""
    rng = np.random.default_rng(11)
    steps = np.arange(20)
    rejected = 0
    reps = 200
    for _ in range(reps):
        n = rng.integers(1, 11, size=20)
        k = rng.binomial(n, 0.3)
        cp = single_change(steps, k, n, resamples=199, seed=int(rng.integers(1 << 30)))
        assert cp is not None
        rejected += cp.p_value < 0.05
    assert rejected / reps <= 0.09  # 5% nominal; 9% is three binomial SDs above it


def test_location_interval_covers_the_truth() -> None:
    rng = np.random.default_rng(5)
    steps = np.arange(30)
    covered = 0
    reps = 100
    for _ in range(reps):
        n = rng.integers(3, 9, size=30)
        k = rng.binomial(n, np.where(steps < 17, 0.2, 0.6))
        cp = single_change(steps, k, n, resamples=300, seed=int(rng.integers(1 << 30)))
        assert cp is not None
        covered += cp.interval_after_step <= 16 and cp.interval_by_step >= 17
    assert covered / reps >= 0.85  # nominal 95%; the simulation study sizes this properly


def _best_segmentation(k: np.ndarray, n: np.ndarray, penalty: float) -> list[int]:
    """Ends of the segmentation minimising deviance + penalty per change, by enumeration."""
    m = len(k)
    best, best_ends = math.inf, [m]
    for r in range(m):
        for cuts in itertools.combinations(range(1, m), r):
            ends = [*cuts, m]
            starts = [0, *cuts]
            cost = -2 * _full_log_lik(k, n, list(zip(starts, ends, strict=True)))
            cost += penalty * r
            if cost < best - 1e-9:
                best, best_ends = cost, ends
    return best_ends


@pytest.mark.parametrize("seed", range(12))
def test_pelt_finds_the_optimal_segmentation(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    m = int(rng.integers(2, 9))
    n = rng.integers(3, 15, size=m)
    k = rng.binomial(n, rng.choice([0.05, 0.5, 0.95], size=m))
    penalty = float(rng.choice([1.0, 4.0, 2 * math.log(n.sum())]))
    seg = multiple_changes(np.arange(m), k, n, penalty=penalty)
    assert seg is not None
    ends = [int(s.last_step) + 1 for s in seg.segments]
    assert ends == _best_segmentation(k, n, penalty)


def test_two_planted_changes_are_found_with_the_bic_penalty() -> None:
    rng = np.random.default_rng(8)
    steps = np.arange(60)
    n = rng.integers(5, 11, size=60)
    p = np.select([steps < 20, steps < 40], [0.1, 0.8], 0.3)
    seg = multiple_changes(steps * 10, rng.binomial(n, p), n)
    assert seg is not None and seg.penalty_rule == "BIC: 2 log N"
    assert [(s.first_step, s.last_step) for s in seg.segments] == [(0, 190), (200, 390),
                                                                    (400, 590)]  # fmt: skip
    flat = multiple_changes(steps, rng.binomial(n, 0.3), n)
    assert flat is not None and len(flat.segments) == 1
