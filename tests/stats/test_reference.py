"""Each statistic against scipy/statsmodels on fixed inputs."""

from __future__ import annotations

import numpy as np
import pytest

from cotscope.stats import (
    Cell,
    clopper_pearson_interval,
    cmh_one_sided,
    detectable_effect_size,
    holm_adjust,
    logistic_trend,
    mcnemar_exact,
    minimum_detectable_effect,
    newcombe_interval,
    power_two_proportions,
    unpaired_comparison,
    wilson_interval,
)

sm = pytest.importorskip("statsmodels.api")
from statsmodels.stats.contingency_tables import StratifiedTable, mcnemar  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402
from statsmodels.stats.power import NormalIndPower  # noqa: E402
from statsmodels.stats.proportion import (  # noqa: E402
    confint_proportions_2indep,
    proportion_confint,
)

COUNTS = [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (22, 60), (1, 1000), (499, 1000),
          (12345, 100000), (7, 1_000_000_000)]  # fmt: skip
TOL = 1e-9


@pytest.mark.parametrize(("k", "n"), COUNTS)
@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99])
def test_wilson_matches_statsmodels(k: int, n: int, confidence: float) -> None:
    ours = wilson_interval(k, n, confidence)
    ref = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert ours is not None
    assert ours == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize(("k", "n"), COUNTS)
def test_clopper_pearson_matches_statsmodels(k: int, n: int) -> None:
    ours = clopper_pearson_interval(k, n)
    ref = proportion_confint(k, n, alpha=0.05, method="beta")
    assert ours is not None
    assert ours == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize(("b", "c"), [(0, 0), (0, 5), (3, 9), (10, 10), (40, 61), (2, 300)])
def test_mcnemar_matches_statsmodels(b: int, c: int) -> None:
    ref = mcnemar(np.array([[17, b], [c, 29]]), exact=True).pvalue
    assert mcnemar_exact(b, c) == pytest.approx(ref, abs=TOL)


@pytest.mark.parametrize(
    ("ka", "na", "kb", "nb"), [(0, 20, 5, 20), (22, 60, 52, 60), (3, 100, 3, 100), (0, 5, 5, 5)]
)
def test_newcombe_and_fisher_match_references(ka: int, na: int, kb: int, nb: int) -> None:
    from scipy.stats import fisher_exact

    ref = confint_proportions_2indep(kb, nb, ka, na, method="newcomb", compare="diff")
    assert newcombe_interval(ka, na, kb, nb) == pytest.approx(ref, abs=TOL)
    comp = unpaired_comparison(ka, na, kb, nb)
    assert comp.p_value == pytest.approx(
        fisher_exact(np.array([[kb, nb - kb], [ka, na - ka]])).pvalue, abs=TOL
    )
    assert comp.difference == pytest.approx(kb / nb - ka / na, abs=TOL)


def test_holm_matches_statsmodels() -> None:
    p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04]
    assert holm_adjust(p) == pytest.approx(list(multipletests(p, method="holm")[1]), abs=TOL)


def test_cmh_matches_statsmodels() -> None:
    baseline = {"a": (3, 20), "b": (10, 20), "c": (0, 15), "d": (5, 5)}
    later = {"a": (8, 20), "b": (12, 22), "c": (2, 15), "d": (4, 6)}
    tables = []
    for key in baseline:
        (k0, n0), (k1, n1) = baseline[key], later[key]
        tables.append([[k1, n1 - k1], [k0, n0 - k0]])
    st = StratifiedTable(np.array(tables, dtype=float).transpose(1, 2, 0))
    two_sided = st.test_null_odds(correction=False).pvalue
    ours = cmh_one_sided(baseline, later)
    assert ours is not None
    assert 2 * min(ours, 1 - ours) == pytest.approx(two_sided, abs=TOL)
    assert ours < 0.5  # later is higher


def _expand(cells: list[Cell]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, x, g = [], [], []
    for c in cells:
        y += [1] * c.k + [0] * (c.n - c.k)
        x += [c.x] * c.n
        g += [c.cluster] * c.n
    codes = {v: i for i, v in enumerate(dict.fromkeys(g))}
    return np.array(y), np.array(x, dtype=float), np.array([codes[v] for v in g])


def _synthetic_cells(seed: int, n_variants: int, steps: list[int]) -> list[Cell]:
    rng = np.random.default_rng(seed)
    cells = []
    for v in range(n_variants):
        offset = rng.normal(0, 0.8)
        for s in steps:
            n = int(rng.integers(5, 40))
            p = 1 / (1 + np.exp(-(-1.5 + offset + 0.0004 * s)))
            cells.append(Cell(f"v{v}", float(s), int(rng.binomial(n, p)), n))
    return cells


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trend_matches_statsmodels_cluster_glm(seed: int) -> None:
    cells = _synthetic_cells(seed, n_variants=6, steps=[0, 500, 1000, 2000, 5000])
    y, x, g = _expand(cells)
    model = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial())
    ref = model.fit(cov_type="cluster", cov_kwds={"groups": g}, tol=1e-14)
    ours = logistic_trend(cells)
    assert ours.method == "logit-wald-cluster"
    assert ours.slope == pytest.approx(ref.params[1], rel=1e-9)
    assert ours.se == pytest.approx(ref.bse[1], rel=1e-9)
    assert ours.p_value == pytest.approx(ref.pvalues[1], rel=1e-7, abs=TOL)
    assert ours.direction == ("increasing" if ref.params[1] > 0 else "decreasing")


def test_trend_single_variant_matches_model_based_glm() -> None:
    cells = _synthetic_cells(7, n_variants=1, steps=[0, 100, 200, 300])
    y, x, _ = _expand(cells)
    ref = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial()).fit(tol=1e-14)
    ours = logistic_trend(cells)
    assert ours.method == "logit-wald"
    assert ours.slope == pytest.approx(ref.params[1], rel=1e-9)
    assert ours.se == pytest.approx(ref.bse[1], rel=1e-9)
    assert ours.p_value == pytest.approx(ref.pvalues[1], rel=1e-7, abs=TOL)


@pytest.mark.parametrize("n1", [10, 100, 1000])
@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_power_matches_statsmodels(n1: int, ratio: float) -> None:
    n2 = int(n1 * ratio)
    h = detectable_effect_size(n1, n2)
    ref_power = NormalIndPower().power(h, n1, 0.05, ratio=n2 / n1)
    assert ref_power == pytest.approx(0.8, abs=TOL)
    assert power_two_proportions(h, n1, n2) == pytest.approx(ref_power, abs=TOL)
    ref_h = NormalIndPower().solve_power(None, nobs1=n1, alpha=0.05, power=0.8, ratio=n2 / n1)
    assert h == pytest.approx(ref_h, rel=1e-5)  # statsmodels solves only to ~1e-6


def test_mde_reflects_science_brief_examples() -> None:
    # SCIENCE.md §7: 2% -> 20.6% is easy at n = 100; 0.3% -> 0.8% needs thousands.
    mde_100 = minimum_detectable_effect(0.02, 100)
    assert mde_100 is not None and 0.02 + mde_100 < 0.206
    mde_small = minimum_detectable_effect(0.003, 1000)
    assert mde_small is not None and 0.003 + mde_small > 0.008
    mde_big = minimum_detectable_effect(0.003, 10000)
    assert mde_big is not None and 0.003 + mde_big < 0.008


def test_clopper_pearson_holds_where_scipys_inverse_beta_fails() -> None:
    """k = 1,000 of n = 132,579,327 (found by hypothesis): scipy's beta.ppf put the lower
    bound at twice the rate; the bounds must solve the binomial tails exactly."""
    from scipy.stats import binom

    k, n = 1000, 132_579_327
    low, high = clopper_pearson_interval(k, n)
    assert low < k / n < high
    assert binom.sf(k - 1, n, low) == pytest.approx(0.025, rel=1e-6)
    assert binom.cdf(k, n, high) == pytest.approx(0.025, rel=1e-6)
