"""Confidence intervals for binomial rates, and the rate estimate every table shows.

A rate with n = 0 is "no data": its value and interval are None, never NaN or 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

IntervalMethod = Literal["wilson", "clopper-pearson"]


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _check(k: int, n: int, confidence: float) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for k successes in n trials; None when n is 0 ("no data")."""
    _check(k, n, confidence)
    if n == 0:
        return None
    z = _z(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def clopper_pearson_interval(
    k: int, n: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Exact (Clopper–Pearson) interval from beta quantiles; None when n is 0.

    Args:
        k: Successes.
        n: Trials.
        confidence: Two-sided coverage, e.g. 0.95.

    Returns:
        (low, high), or None for no data.
    """
    _check(k, n, confidence)
    if n == 0:
        return None
    from scipy.stats import beta

    alpha = 1 - confidence
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.isf(alpha / 2, k + 1, n - k))
    if not low <= k / n <= high:
        # scipy's inverse incomplete beta fails for large n and small k/n (k = 1,000 of
        # n = 132,579,327 gave a lower bound twice the rate); the forward function stays
        # accurate, so solve it for the bounds instead.
        low, high = _solved_bounds(k, n, alpha)
    return low, high


def _solved_bounds(k: int, n: int, alpha: float) -> tuple[float, float]:
    """Clopper–Pearson bounds by root-finding on the regularized incomplete beta."""
    from scipy.optimize import brentq
    from scipy.special import betainc

    rate = k / n
    low = 0.0
    if k > 0:
        # P(X >= k | p) = I_p(k, n - k + 1) rises with p; it is alpha / 2 at the bound.
        low = float(brentq(lambda p: betainc(k, n - k + 1, p) - alpha / 2, 0.0, rate,
                           xtol=1e-300, rtol=1e-13))  # fmt: skip
    high = 1.0
    if k < n:
        # P(X <= k | p) = 1 - I_p(k + 1, n - k) falls with p; alpha / 2 at the bound.
        high = float(brentq(lambda p: 1 - betainc(k + 1, n - k, p) - alpha / 2, rate, 1.0,
                            xtol=1e-300, rtol=1e-13))  # fmt: skip
    return low, high


@dataclass(frozen=True)
class RateEstimate:
    """A rate k/n with its interval; every field but k and n is None when n is 0."""

    k: int
    """Samples with the outcome."""
    n: int
    """Samples with a parseable outcome (the denominator)."""
    rate: float | None
    """k / n, or None for no data."""
    ci_low: float | None
    """Lower end of the interval, or None."""
    ci_high: float | None
    """Upper end of the interval, or None."""
    method: IntervalMethod
    """How the interval was computed."""


def rate_estimate(
    k: int, n: int, confidence: float = 0.95, method: IntervalMethod = "wilson"
) -> RateEstimate:
    """The rate k/n with a Wilson (default) or Clopper–Pearson interval.

    Args:
        k: Samples with the outcome.
        n: Samples with a parseable outcome.
        confidence: Two-sided coverage of the interval.
        method: `wilson` or `clopper-pearson`.

    Returns:
        The estimate; `rate`, `ci_low` and `ci_high` are None when n is 0.
    """
    interval = (
        wilson_interval(k, n, confidence)
        if method == "wilson"
        else clopper_pearson_interval(k, n, confidence)
    )
    if interval is None:
        return RateEstimate(k, n, None, None, None, method)
    return RateEstimate(k, n, k / n, interval[0], interval[1], method)
