"""The tests and intervals the terms analysis needs.

Holm's correction and Wilson's interval come from `cotscope.stats`. The trend and
first-rise tests here differ from `cotscope.stats.logistic_trend`/`first_rise` on
purpose: they run over a whole vocabulary (a closed form, not a Newton fit per
word) and at counts near zero (an exact test, not a normal approximation).

- Trend: one-sided Cochran–Armitage test for an increasing share of CoTs that use
  a word, scores = checkpoint rank, variance = the exact permutation variance given
  the margins (p̄(1−p̄)·N/(N−1)·Σnₖ(xₖ−x̄)²). The unit is the CoT, not the token: a
  word repeated fifty times in one CoT is one use.
- First rise: one-sided Fisher exact test (hypergeometric upper tail) of each
  later checkpoint's share against the first checkpoint's; exact because the
  interesting case is zero or a handful of uses early on.
- Rate interval: Poisson score interval (the Poisson analogue of Wilson's) for a
  count over an exposure in words, its variance inflated by the between-CoT
  dispersion φ (quasi-Poisson), because uses of a word cluster within CoTs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cotscope.stats import fisher_greater

__all__ = ["fisher_greater"]  # one exact test for terms and for first rises

Z95 = 1.959963984540054
"""Two-sided 95% normal quantile."""


def normal_upper(z: float) -> float:
    """P(Z ≥ z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def cochran_armitage_increasing(
    hits: Sequence[int], totals: Sequence[int], scores: Sequence[float] | None = None
) -> tuple[float, float] | None:
    """One-sided test that the share hits/totals increases with the score.

    Args:
        hits: CoTs using the word at each checkpoint.
        totals: CoTs at each checkpoint.
        scores: Score of each checkpoint; ranks 0, 1, 2, ... when None.

    Returns:
        (z, p) with p = P(Z ≥ z); None when untestable (fewer than two checkpoints
        with CoTs, or the word is used in no CoT or in every CoT).
    """
    x = list(scores) if scores is not None else [float(i) for i in range(len(hits))]
    n_total = sum(totals)
    d_total = sum(hits)
    if sum(1 for n in totals if n > 0) < 2 or d_total in (0, n_total):
        return None
    mean_x = sum(n * xi for n, xi in zip(totals, x, strict=True)) / n_total
    stat = sum(k * (xi - mean_x) for k, xi in zip(hits, x, strict=True))
    p_bar = d_total / n_total
    spread = sum(n * (xi - mean_x) ** 2 for n, xi in zip(totals, x, strict=True))
    variance = p_bar * (1 - p_bar) * n_total / (n_total - 1) * spread
    if variance <= 0:
        return None
    z = stat / math.sqrt(variance)
    return z, normal_upper(z)


def fisher_two_sided(k1: int, n1: int, k0: int, n0: int) -> float:
    """Two-sided Fisher exact p (twice the smaller one-sided p, at most 1)."""
    greater = fisher_greater(k1, n1, k0, n0)
    less = fisher_greater(k0, n0, k1, n1)
    return min(1.0, 2 * min(greater, less))


def dispersion(sum_sq_over_words: float, count: int, words: int, n_cots_with_words: int) -> float:
    """Pearson dispersion φ of per-CoT counts around a common rate, at least 1.

    Args:
        sum_sq_over_words: S = Σ_c y_c²/n_c over CoTs (y_c uses of the word, n_c words in c).
        count: Y = Σ_c y_c.
        words: N = Σ_c n_c.
        n_cots_with_words: m, the CoTs with n_c > 0.

    Returns:
        max(1, Σ_c (y_c − R·n_c)²/(R·n_c) / (m − 1)) with R = Y/N; 1 when undefined.
    """
    if count <= 0 or words <= 0 or n_cots_with_words < 2:
        return 1.0
    # Σ (y − Rn)²/(Rn) = Σ y²/(Rn) − 2Σy + RΣn = S/R − Y, since RΣn = Y.
    pearson = sum_sq_over_words * words / count - count
    return max(1.0, pearson / (n_cots_with_words - 1))


def rate_interval(
    count: int, words: int, phi: float = 1.0, per: float = 1000.0, z: float = Z95
) -> tuple[float, float] | None:
    """Score interval of a rate per `per` words, with variance inflated by φ.

    Solves (Y − u)² = z²·φ·u for the expected count u; at Y = 0 it gives [0, z²φ/N].

    Args:
        count: Occurrences Y.
        words: Exposure N in words.
        phi: Dispersion factor (1 for Poisson).
        per: Rate unit in words (1000: per 1,000 words).
        z: Normal quantile (1.96 for 95%).

    Returns:
        (low, high) per `per` words; None when there are no words.
    """
    if words <= 0:
        return None
    spread = z * z * phi
    centre = count + spread / 2
    half = math.sqrt(spread * count + spread * spread / 4)
    return max(0.0, centre - half) * per / words, (centre + half) * per / words
