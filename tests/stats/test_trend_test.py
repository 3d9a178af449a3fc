"""The trend test: the score test of the slope stratified by variant.

Checked against statsmodels, and by simulation where the earlier clustered Wald test
failed: a shifting mix of variants, few variants, rates that reach 100%."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from test_reference import _expand, _synthetic_cells  # same folder (rootdir-less import)

from cotscope.stats import Cell, logistic_trend, trend_test

STEPS = [0, 6, 12, 18, 24, 30]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_the_glm_score_test_with_variant_intercepts(seed: int) -> None:
    cells = _synthetic_cells(seed, n_variants=6, steps=[0, 500, 1000, 2000, 5000])
    y, x, g = _expand(cells)
    null = sm.GLM(y, np.eye(g.max() + 1)[g], family=sm.families.Binomial()).fit(tol=1e-14)
    ref = null.score_test(exog_extra=x[:, None])
    ours = trend_test(cells)
    assert ours.method == "score-stratified"
    assert ours.z is not None and ours.z**2 == pytest.approx(float(np.ravel(ref.statistic)[0]))
    assert ours.p_value == pytest.approx(float(np.ravel(ref.pvalue)[0]), rel=1e-7)
    wald = logistic_trend(cells)  # the effect size shown beside the test
    assert (ours.slope, ours.se) == (wald.slope, wald.se)


def _rejections(make: object, reps: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    new = old = 0
    for _ in range(reps):
        cells = make(rng)  # type: ignore[operator]
        new += trend_test(cells).p_value < 0.05
        p_old = logistic_trend(cells).p_value
        old += p_old is not None and p_old < 0.05
    return new / reps, old / reps


def _shifting_mix(rng: np.random.Generator) -> list[Cell]:
    """No variant changes, but high-rate variants get more samples at late steps."""
    base = rng.normal(-0.5, 1.2, size=8)
    cells = []
    for v in range(8):
        for i, s in enumerate(STEPS):
            n = int(5 + (30 if (base[v] > 0) == (i >= 3) else 0) + rng.integers(0, 5))
            cells.append(Cell(f"v{v}", float(s), int(rng.binomial(n, 1 / (1 + np.exp(-base[v])))),
                              n))  # fmt: skip
    return cells


def _balanced(rng: np.random.Generator) -> list[Cell]:
    base = rng.normal(-0.5, 1.2, size=8)
    cells = []
    for v in range(8):
        for s in STEPS:
            n = int(rng.integers(10, 20))
            cells.append(Cell(f"v{v}", float(s), int(rng.binomial(n, 1 / (1 + np.exp(-base[v])))),
                              n))  # fmt: skip
    return cells


def _rollouts(rng: np.random.Generator) -> list[Cell]:
    return [Cell(f"p{s}-{i}", float(s), int(rng.random() < 0.1), 1)
            for s in range(20) for i in range(int(rng.integers(5, 11)))]  # fmt: skip


def test_a_shifting_variant_mix_does_not_fake_a_trend() -> None:
    new, old = _rejections(_shifting_mix, 400, seed=0)
    assert new <= 0.07  # nominal 5%
    assert old > 0.5  # the pooled, clustered Wald test called most of these a trend


def test_size_with_few_balanced_variants_and_on_rollouts() -> None:
    new, _ = _rejections(_balanced, 400, seed=1)
    assert new <= 0.07
    rollouts, _ = _rejections(_rollouts, 400, seed=2)
    assert rollouts <= 0.07


def test_a_jump_to_100_percent_in_rollouts_is_a_strong_trend() -> None:
    rng = np.random.default_rng(3)
    cells = [Cell(f"p{s}-{i}", float(s), int(rng.random() < (0.1 if s < 12 else 1.0)), 1)
             for s in range(20) for i in range(int(rng.integers(5, 11)))]  # fmt: skip
    result = trend_test(cells)
    assert result.method == "score-pooled" and result.direction == "increasing"
    assert result.p_value is not None and result.p_value < 1e-10
    wald = logistic_trend(cells).p_value
    # Near separation the Wald test is far weaker (Hauck-Donner): its z shrinks as the
    # fit's standard error blows up.
    assert wald is not None and wald > 1e4 * result.p_value


def test_untestable_cases_say_why() -> None:
    assert trend_test([]).note == "no data"
    assert trend_test([Cell("v", 0.0, 1, 3)]).note == "a single checkpoint"
    assert trend_test([Cell("v", 0.0, 0, 3), Cell("v", 1.0, 0, 3)]).note == (
        "the outcome never varies"
    )


def test_grouped_rollouts_keep_false_trends_near_alpha() -> None:
    """GRPO-style groups: each prompt sampled 8 times at its one step, prompts differing
    a lot (rates ~ Beta(0.5, 2)). The model-based pooled variance gives ~25% false trends
    here (2,000 simulated runs); the cluster-robust one ~5%."""
    rng = np.random.default_rng(0)
    reps, hits = 300, 0
    for _ in range(reps):
        cells = [
            Cell(f"{step}-{p}", float(step), int(rng.binomial(8, rng.beta(0.5, 2.0))), 8)
            for step in range(30)
            for p in range(2)
        ]
        result = trend_test(cells)
        assert result.method == "score-pooled-robust"
        hits += result.p_value is not None and result.p_value < 0.05
    assert hits / reps <= 0.08
