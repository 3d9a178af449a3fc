"""First rise on rollout data: no prompt recurs, a few rollouts per step."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import hypergeom

from cotscope.stats import Cell, first_rise, fisher_greater


def _rollouts(rates: np.ndarray, rng: np.random.Generator, steps: np.ndarray) -> list[Cell]:
    """One cell per rollout, each with its own prompt (cluster), 5-10 rollouts per step."""
    cells = []
    for step, rate in zip(steps, rates, strict=True):
        for i in range(int(rng.integers(5, 11))):
            cells.append(Cell(f"prompt-{step}-{i}", float(step), int(rng.random() < rate), 1))
    return cells


@pytest.mark.parametrize(("base", "later"), [((2, 20), (9, 20)), ((0, 5), (5, 5)),
                                              ((7, 30), (3, 12)), ((1, 1), (0, 3))])  # fmt: skip
def test_fisher_greater_is_the_hypergeometric_tail(
    base: tuple[int, int], later: tuple[int, int]
) -> None:
    (k0, n0), (k1, n1) = base, later
    # P(at least k1 of the k0 + k1 events fall in `later`), all margins fixed.
    tail = hypergeom(n0 + n1, k0 + k1, n1).sf(k1 - 1)
    p = fisher_greater(k1, n1, k0, n0)
    assert math.isclose(p, tail, rel_tol=1e-9, abs_tol=1e-12)


def test_a_jump_in_rollouts_is_found_in_windows() -> None:
    rng = np.random.default_rng(2)
    steps = np.arange(0, 400, 10)
    cells = _rollouts(np.where(steps < 200, 0.1, 1.0), rng, steps)
    rise = first_rise(cells)
    assert rise.window_min_n == 30 and rise.baseline_x == 0
    assert rise.baseline_last_x is not None and rise.baseline_last_x < 200
    assert all(t.design == "unpaired" and t.n >= 30 for t in rise.tests)
    hit = next(i for i, t in enumerate(rise.tests) if t.significant)
    jump = next(i for i, t in enumerate(rise.tests) if t.last_x is not None and t.last_x >= 200)
    # The first significant window holds the jump or follows it (a window the jump
    # splits may be mostly before it).
    assert rise.tests[hit].x == rise.first_x and hit in (jump, jump + 1)


def test_windows_cover_every_step_once() -> None:
    rng = np.random.default_rng(4)
    steps = np.arange(57)
    rise = first_rise(_rollouts(np.full(57, 0.5), rng, steps), min_window_n=25)
    spans = [(rise.baseline_x, rise.baseline_last_x)] + [(t.x, t.last_x) for t in rise.tests]
    assert spans[0][0] == 0 and spans[-1][1] == 56
    assert all(b[0] > a[1] for a, b in zip(spans, spans[1:], strict=False))


def test_no_change_rarely_shows_a_rise() -> None:
    rng = np.random.default_rng(9)
    steps = np.arange(60)
    reps = 200
    false = sum(first_rise(_rollouts(np.full(60, 0.3), rng, steps)).first_x is not None
                for _ in range(reps))  # fmt: skip
    assert false / reps <= 0.05  # Holm controls the family-wise rate at 5%


def test_a_checkpoint_without_shared_variants_is_compared_unpaired() -> None:
    cells = [Cell("v1", 0.0, 2, 40), Cell("v2", 0.0, 3, 40),
             Cell("v1", 1.0, 30, 40),                      # shares v1: CMH
             Cell("w9", 2.0, 35, 40)]  # shares nothing: Fisher  # fmt: skip
    rise = first_rise(cells)
    assert [t.design for t in rise.tests] == ["paired", "unpaired"]
    assert rise.window_min_n is None and all(t.significant for t in rise.tests)
    assert rise.tests[1].p_value == fisher_greater(35, 40, 5, 80)
