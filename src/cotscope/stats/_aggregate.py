"""Aggregate rates across variants (or environments) the way the field reports them.

The headline is the unweighted mean of per-variant rates, so a variant with more
samples does not count more, and results stay comparable however a paper
aggregated. Its interval is a two-stage percentile bootstrap over variants. Each
of `DEFAULT_RESAMPLES` resamples draws the variants with replacement (numpy
PCG64 generator seeded with `DEFAULT_SEED`; beyond 2,000 variants, as a
multinomial over their distinct rates, which is the same distribution) and
takes the mean of their rates: this carries the spread between variants. The
second stage adds the sampling noise within the drawn variants, as one normal
draw per resample whose variance is that of the resampled mean, Σ p(1−p)/n over
the drawn variants divided by m² (the normal form of redrawing each variant's
samples; one draw per resample instead of one per variant keeps a
100,000-sample report fast). A bootstrap
cannot see sampling noise in a variant at 0% or 100%, so the interval is widened
where needed to contain the Wilson interval of the pooled counts: three
variants at 0/36 get [0%, 3.4%], not a zero-width [0%, 0%]. A single variant has
no spread to resample: its Wilson interval is used. The pooled rate (all samples
of all variants, Wilson interval) is given beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._intervals import wilson_interval

DEFAULT_RESAMPLES = 2000
"""Bootstrap resamples over variants."""
DEFAULT_SEED = 20260301
"""Seed of the bootstrap generator (numpy PCG64), so every report gives the same interval."""


@dataclass(frozen=True)
class Aggregate:
    """The unweighted mean of per-variant rates, and the pooled rate beside it."""

    mean_rate: float | None
    """Unweighted mean of the rates of variants with n > 0; None when none has data."""
    ci_low: float | None
    """Lower end of the interval of the mean."""
    ci_high: float | None
    """Upper end of the interval of the mean."""
    ci_method: Literal["bootstrap-variants", "wilson"] | None
    """`bootstrap-variants` for two or more variants with data, `wilson` for one."""
    n_variants: int
    """Variants with n > 0 (the units resampled)."""
    k: int
    """Pooled successes."""
    n: int
    """Pooled denominator."""
    pooled_rate: float | None
    """k / n over all variants, or None."""
    pooled_ci_low: float | None
    """Wilson interval of the pooled rate, low end."""
    pooled_ci_high: float | None
    """Wilson interval of the pooled rate, high end."""


def bootstrap_mean_interval(
    values: Sequence[float],
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `values` (resampled with replacement).

    Args:
        values: One value per unit (e.g. per-variant rates); at least one.
        confidence: Two-sided coverage.
        resamples: Number of bootstrap resamples.
        seed: Seed of the numpy generator.

    Returns:
        (low, high) percentiles of the resampled means.
    """
    if len(values) == 0:
        raise ValueError("need at least one value")
    arr = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(arr), size=(resamples, len(arr)))
    means = arr[idx].mean(axis=1)
    alpha = 1 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    # Percentiles of means of values in [a, b] stay in [a, b]; clip float dust.
    return float(max(arr.min(), low)), float(min(arr.max(), high))


_INDEX_LIMIT = 2000  # up to this many variants, resample indices; beyond, a multinomial
_CHUNK_CELLS = 4_000_000  # resamples x categories drawn at once: bounds memory on huge runs


def _resampled_means(p: np.ndarray, w: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of resampled rates plus normal within-variant noise of variance sum(w)/m^2."""
    m = len(p)
    rng = np.random.default_rng(seed)
    if m <= _INDEX_LIMIT:
        idx = rng.integers(0, m, size=(resamples, m))
        between = p[idx].mean(axis=1)
        within = w[idx].sum(axis=1) / (m * m)
        return np.asarray(between + np.sqrt(within) * rng.standard_normal(resamples))
    # Many variants: only how often each distinct (rate, variance) pair is drawn matters.
    values, freq = np.unique(p + 1j * w, return_counts=True)
    chunk = max(1, _CHUNK_CELLS // len(values))
    out = []
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        drawn = rng.multinomial(m, freq / m, size=size)
        between = drawn @ values.real / m
        within = drawn @ values.imag / (m * m)
        out.append(between + np.sqrt(within) * rng.standard_normal(size))
    return np.concatenate(out)


def _two_stage_interval(
    counts: Sequence[tuple[int, int]], confidence: float, resamples: int, seed: int
) -> tuple[float, float]:
    k = np.array([c[0] for c in counts], dtype=float)
    n = np.array([c[1] for c in counts], dtype=float)
    p = k / n
    means = _resampled_means(p, p * (1 - p) / n, resamples, seed)
    alpha = 1 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    pooled = wilson_interval(int(k.sum()), int(n.sum()), confidence)
    assert pooled is not None
    mean = float(p.mean())
    low, high = max(0.0, float(low)), min(1.0, float(high))
    return min(low, pooled[0], mean), max(high, pooled[1], mean)


def aggregate_rates(
    counts: Sequence[tuple[int, int]],
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Aggregate:
    """Aggregate per-variant (k, n) counts into a mean rate and a pooled rate.

    Args:
        counts: (k, n) per variant; variants with n = 0 are ignored for the mean.
        confidence: Two-sided coverage of both intervals.
        resamples: Bootstrap resamples over variants.
        seed: Bootstrap seed.

    Returns:
        The aggregate; rates are None when no variant has data.
    """
    for k, n in counts:
        if n < 0 or k < 0 or k > n:
            raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    with_data = [(k, n) for k, n in counts if n > 0]
    k_total = sum(k for k, _ in with_data)
    n_total = sum(n for _, n in with_data)
    pooled = wilson_interval(k_total, n_total, confidence)
    pooled_rate = k_total / n_total if n_total else None
    if not with_data:
        return Aggregate(None, None, None, None, 0, 0, 0, None, None, None)
    rates = [k / n for k, n in with_data]
    mean = float(np.mean(rates))
    if len(rates) == 1:
        k, n = with_data[0]
        single = wilson_interval(k, n, confidence)
        assert single is not None
        low, high = single
        method: Literal["bootstrap-variants", "wilson"] = "wilson"
    else:
        low, high = _two_stage_interval(with_data, confidence, resamples, seed)
        method = "bootstrap-variants"
    return Aggregate(
        mean_rate=mean,
        ci_low=low,
        ci_high=high,
        ci_method=method,
        n_variants=len(rates),
        k=k_total,
        n=n_total,
        pooled_rate=pooled_rate,
        pooled_ci_low=pooled[0] if pooled else None,
        pooled_ci_high=pooled[1] if pooled else None,
    )
