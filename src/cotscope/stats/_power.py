"""Minimum detectable effect: how big a change the n in hand can see.

Uses the two-sided two-sample test on Cohen's arcsine scale, h = 2·asin√p₁ − 2·asin√p₀,
whose power at effective size n₁n₂/(n₁+n₂) is
Φ(h·√n_eff − z) + Φ(−h·√n_eff − z) with z = Φ⁻¹(1 − α/2) (as statsmodels' NormalIndPower).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

_NORMAL = NormalDist()


def power_two_proportions(h: float, n1: int, n2: int, alpha: float = 0.05) -> float:
    """Power of the two-sided arcsine test for effect size h with n1 and n2 samples."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("need n1, n2 > 0")
    crit = _NORMAL.inv_cdf(1 - alpha / 2)
    shift = h * math.sqrt(n1 * n2 / (n1 + n2))
    return _NORMAL.cdf(shift - crit) + _NORMAL.cdf(-shift - crit)


@lru_cache(maxsize=4096)
def detectable_effect_size(n1: int, n2: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest Cohen's h detectable with the given power (bisection to machine precision)."""
    low, high = 0.0, 1.0
    while power_two_proportions(high, n1, n2, alpha) < power:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if mid in (low, high):
            break
        if power_two_proportions(mid, n1, n2, alpha) < power:
            low = mid
        else:
            high = mid
    return high


def minimum_detectable_effect(
    p0: float | None, n1: int, n2: int | None = None, alpha: float = 0.05, power: float = 0.8
) -> float | None:
    """The smallest rise above rate p0 that a comparison of n1 vs n2 samples detects.

    Args:
        p0: Baseline rate (None for no data).
        n1: Samples at the baseline.
        n2: Samples at the compared point; defaults to n1.
        alpha: Two-sided significance level.
        power: Required power, e.g. 0.8.

    Returns:
        p1 − p0 for the smallest detectable p1 > p0; None for no data or when even
        p1 = 1 cannot be detected.
    """
    n2 = n1 if n2 is None else n2
    if p0 is None or n1 <= 0 or n2 <= 0:
        return None
    if not 0 <= p0 <= 1:
        raise ValueError(f"p0 must be in [0, 1], got {p0}")
    h = detectable_effect_size(n1, n2, alpha, power)
    angle = math.asin(math.sqrt(p0)) + h / 2
    if angle > math.pi / 2:
        return None
    return math.sin(angle) ** 2 - p0
