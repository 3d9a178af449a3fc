"""Property tests on the edges: 0 of n, n of n, n = 1, huge n, no data."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cotscope.stats import (
    Cell,
    aggregate_rates,
    clopper_pearson_interval,
    first_rise,
    logistic_trend,
    minimum_detectable_effect,
    paired_comparison,
    rate_estimate,
    unpaired_comparison,
    wilson_interval,
)

FAST = settings(max_examples=60, deadline=None)


@st.composite
def k_of_n(draw: st.DrawFn, max_n: int = 10**12) -> tuple[int, int]:
    n = draw(st.one_of(st.just(1), st.integers(1, 50), st.integers(1, max_n)))
    k = draw(st.one_of(st.just(0), st.just(n), st.integers(0, n)))
    return k, n


@FAST
@given(k_of_n())
def test_intervals_contain_rate_and_stay_in_unit(kn: tuple[int, int]) -> None:
    k, n = kn
    for interval in (wilson_interval(k, n), clopper_pearson_interval(k, n)):
        assert interval is not None
        low, high = interval
        assert 0.0 <= low <= k / n <= high <= 1.0
        assert all(math.isfinite(v) for v in interval)
    if k == 0:
        assert wilson_interval(k, n) is not None and wilson_interval(k, n)[0] == 0.0  # type: ignore[index]
    if k == n:
        assert wilson_interval(k, n)[1] == 1.0  # type: ignore[index]


def test_no_data_is_none_never_nan() -> None:
    assert wilson_interval(0, 0) is None
    assert clopper_pearson_interval(0, 0) is None
    est = rate_estimate(0, 0)
    assert (est.rate, est.ci_low, est.ci_high) == (None, None, None)
    agg = aggregate_rates([(0, 0), (0, 0)])
    assert agg.mean_rate is None and agg.pooled_rate is None and agg.n_variants == 0
    assert minimum_detectable_effect(None, 10) is None
    assert minimum_detectable_effect(0.5, 0) is None
    assert paired_comparison([]).difference is None
    assert unpaired_comparison(0, 0, 3, 10).p_value is None
    assert logistic_trend([]).p_value is None
    assert first_rise([]).first_x is None


@FAST
@given(st.lists(k_of_n(max_n=10**6), min_size=1, max_size=12))
def test_aggregate_interval_brackets_mean(counts: list[tuple[int, int]]) -> None:
    agg = aggregate_rates(counts, resamples=200)
    assert agg.mean_rate is not None and agg.ci_low is not None and agg.ci_high is not None
    assert 0.0 <= agg.ci_low <= agg.mean_rate <= agg.ci_high <= 1.0
    rates = [k / n for k, n in counts]
    assert agg.mean_rate == sum(rates) / len(rates) or math.isclose(
        agg.mean_rate, sum(rates) / len(rates)
    )
    assert agg.pooled_rate == sum(k for k, _ in counts) / sum(n for _, n in counts)
    assert agg.ci_method == ("wilson" if len(counts) == 1 else "bootstrap-variants")


def test_aggregate_is_seeded() -> None:
    counts = [(1, 10), (5, 10), (9, 10)]
    assert aggregate_rates(counts) == aggregate_rates(counts)


@FAST
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=300))
def test_paired_difference_in_interval(pairs: list[tuple[bool, bool]]) -> None:
    comp = paired_comparison(pairs, resamples=300)
    assert comp.difference is not None and comp.ci_low is not None and comp.ci_high is not None
    assert -1.0 <= comp.ci_low <= comp.ci_high <= 1.0
    assert comp.p_value is not None and 0.0 <= comp.p_value <= 1.0
    if all(a == b for a, b in pairs):
        assert comp.p_value == 1.0 and comp.difference == 0.0


@FAST
@given(k_of_n(max_n=10**9), k_of_n(max_n=10**9))
def test_unpaired_interval_contains_difference(a: tuple[int, int], b: tuple[int, int]) -> None:
    comp = unpaired_comparison(a[0], a[1], b[0], b[1])
    assert comp.difference is not None and comp.ci_low is not None and comp.ci_high is not None
    assert -1.0 <= comp.ci_low <= comp.difference <= comp.ci_high <= 1.0


@FAST
@given(st.floats(0.0, 1.0), st.integers(1, 10**9))
def test_mde_is_a_valid_rise(p0: float, n: int) -> None:
    mde = minimum_detectable_effect(p0, n)
    if mde is not None:
        assert mde > 0 and p0 + mde <= 1.0 + 1e-12


def test_mde_shrinks_with_n() -> None:
    values = [minimum_detectable_effect(0.1, n) for n in (10, 100, 1000, 10**6)]
    assert all(v is not None for v in values)
    assert values == sorted(values, reverse=True)  # type: ignore[type-var]


@FAST
@given(
    st.lists(st.integers(0, 30), min_size=3, max_size=6),
    st.integers(1, 4),
    st.integers(1, 40),
)
def test_trend_never_nan(ks: list[int], n_variants: int, n: int) -> None:
    cells = [
        Cell(f"v{v}", float(i * 100), min(k, n), n)
        for v in range(n_variants)
        for i, k in enumerate(ks)
    ]
    result = logistic_trend(cells)
    if result.p_value is not None:
        assert 0.0 <= result.p_value <= 1.0
        assert result.z is not None and math.isfinite(result.z)
    else:
        assert result.note


def test_trend_direction_and_separation() -> None:
    levels = [(0, 1), (1, 5), (2, 12)]
    rising = [Cell(f"v{v}", float(s), k, 20) for v in range(3) for s, k in levels]
    up = logistic_trend(rising)
    assert up.direction == "increasing" and up.p_value is not None and up.p_value < 0.01
    separated = [Cell(f"v{v}", float(s), k, 20) for v in range(3) for s, k in [(0, 0), (1, 20)]]
    sep = logistic_trend(separated)
    assert sep.method == "score-cluster" and sep.direction == "increasing"
    flat = logistic_trend([Cell("v", 0.0, 0, 10), Cell("v", 1.0, 0, 10)])
    assert flat.p_value is None and flat.note == "the outcome never varies"


def test_first_rise_finds_the_step() -> None:
    levels = [(0, 1), (100, 2), (200, 1), (300, 15), (400, 18)]
    cells = [Cell(f"v{v}", float(s), k, 20) for v in range(4) for s, k in levels]
    rise = first_rise(cells)
    assert rise.baseline_x == 0 and rise.first_x == 300
    assert all(t.p_holm is not None and t.p_holm >= (t.p_value or 0) for t in rise.tests)


@FAST
@given(st.lists(k_of_n(max_n=500), min_size=2, max_size=8))
def test_aggregate_interval_contains_pooled_wilson(counts: list[tuple[int, int]]) -> None:
    agg = aggregate_rates(counts, resamples=200)
    pooled = wilson_interval(agg.k, agg.n)
    assert pooled is not None and agg.ci_low is not None and agg.ci_high is not None
    assert agg.ci_low <= pooled[0] and agg.ci_high >= pooled[1]


def test_aggregate_many_variants_uses_bounded_memory_and_agrees() -> None:
    # Beyond 2,000 variants the resampling is a multinomial over distinct rates.
    few = aggregate_rates([(i % 7, 10) for i in range(2000)])
    many = aggregate_rates([(i % 7, 10) for i in range(2001)])
    huge = aggregate_rates([(i % 2, 1) for i in range(300_000)])
    assert few.ci_low is not None and many.ci_low is not None and huge.ci_low is not None
    assert abs(few.ci_low - many.ci_low) < 0.005 and huge.ci_low < 0.5 < (huge.ci_high or 0)
