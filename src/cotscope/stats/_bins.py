"""Rates of a dense training log: step bins of equal n, and a smoothed curve with a band.

A log with thousands of steps and one rollout each has no rate per step worth
drawing (each is 0% or 100%). Two views replace the per-step points:

- **Bins of equal n**: consecutive steps are grouped so that each bin holds about the
  same number of samples (a step is never split), each with its Wilson interval.
- **A smoothed curve**: at each of `points` evenly spaced steps, the Gaussian-kernel
  weighted rate of the samples around it (Nadaraya–Watson; bandwidth a stated share of
  the step span). Its pointwise band is the Wilson interval at the kernel's effective
  sample size (Kish: (Σw)² / Σw²). The band describes sampling noise only, not the
  smoothing's bias at a sharp change: a step change is drawn as a slope about two
  bandwidths wide, which is why the change-point estimate, not the curve, says where.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from ._changepoint import Segment, _counts, _segment, equal_n_ends
from ._intervals import wilson_interval

DENSE_STEPS = 60
"""Beyond this many steps in a run, rates are shown in bins and a smoothed curve."""
DEFAULT_BINS = 40
"""Bins of equal n a dense run is shown in."""
DEFAULT_BANDWIDTH = 0.03
"""Kernel bandwidth as a share of the run's step span."""


class SmoothPoint(BaseModel):
    """One point of the smoothed curve."""

    step: float
    """Where the curve is evaluated."""
    rate: float
    """Kernel-weighted rate around `step`."""
    ci_low: float
    """Lower end of the pointwise band."""
    ci_high: float
    """Upper end of the pointwise band."""
    n_effective: float
    """Kish effective sample size of the kernel weights."""


class BinnedRates(BaseModel):
    """A dense run's rate in bins of equal n, and smoothed."""

    bins: list[Segment]
    """Consecutive step bins of about equal n, with Wilson intervals."""
    smooth: list[SmoothPoint]
    """The smoothed curve with its pointwise band."""
    bandwidth: float
    """Standard deviation of the Gaussian kernel, in steps."""
    confidence: float
    """Coverage of the bins' intervals and of the band."""


def equal_n_bins(
    steps: Sequence[float],
    k: Sequence[int],
    n: Sequence[int],
    bins: int = DEFAULT_BINS,
    confidence: float = 0.95,
) -> list[Segment]:
    """Group consecutive steps into about `bins` groups of about equal sample count.

    A bin closes at the first step where the cumulative count reaches its share, so
    bins are never empty and a step is never split (a step holding many samples makes
    its bin larger and the bins fewer).
    """
    x, kk, nn = _counts(steps, k, n)
    if len(x) == 0:
        return []
    ends = equal_n_ends(nn, bins)
    starts = np.concatenate([[0], ends[:-1]])
    return [
        _segment(x[a:b], kk[a:b], nn[a:b], confidence) for a, b in zip(starts, ends, strict=True)
    ]


def smoothed_rate(
    steps: Sequence[float],
    k: Sequence[int],
    n: Sequence[int],
    *,
    bandwidth: float | None = None,
    points: int = 200,
    confidence: float = 0.95,
) -> tuple[list[SmoothPoint], float]:
    """The Gaussian-kernel smoothed rate over steps, with a pointwise band.

    Args:
        steps: Step of each count.
        k: Samples with the outcome.
        n: Samples with a parseable outcome.
        bandwidth: Kernel standard deviation in steps; default 3% of the span.
        points: Evenly spaced steps the curve is evaluated at.
        confidence: Coverage of the band.

    Returns:
        The curve, and the bandwidth used.
    """
    x, kk, nn = _counts(steps, k, n)
    if len(x) == 0:
        return [], 0.0
    span = float(x[-1] - x[0])
    h = bandwidth if bandwidth is not None else max(DEFAULT_BANDWIDTH * span, 1e-9)
    grid = np.linspace(x[0], x[-1], points) if span > 0 else x[:1]
    out = []
    for g in grid:
        # Kernel weights per step; a step's n samples share its weight.
        w = np.exp(-0.5 * ((x - g) / h) ** 2)
        wn = w * nn
        total = wn.sum()
        rate = float((w * kk).sum() / total)
        n_eff = float(total**2 / (w * w * nn).sum())
        # The Wilson interval at the effective n, holding the smoothed rate.
        band = wilson_interval(round(rate * n_eff), max(1, round(n_eff)), confidence)
        assert band is not None
        low, high = min(band[0], rate), max(band[1], rate)
        out.append(
            SmoothPoint(step=float(g), rate=rate, ci_low=low, ci_high=high, n_effective=n_eff)
        )
    return out, h


def binned_rates(
    steps: Sequence[float],
    k: Sequence[int],
    n: Sequence[int],
    *,
    bins: int = DEFAULT_BINS,
    confidence: float = 0.95,
) -> BinnedRates:
    """Bins of equal n and the smoothed curve of one run's rate."""
    smooth, h = smoothed_rate(steps, k, n, confidence=confidence)
    return BinnedRates(
        bins=equal_n_bins(steps, k, n, bins, confidence),
        smooth=smooth,
        bandwidth=h,
        confidence=confidence,
    )
