"""Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

For a word w in corpora i and j with counts y, totals n and prior α_w (α₀ = Σα):

    δ = ln[(yᵢ+α)/(nᵢ+α₀−yᵢ−α)] − ln[(yⱼ+α)/(nⱼ+α₀−yⱼ−α)]
    σ² ≈ 1/(yᵢ+α) + 1/(yⱼ+α),   z = δ/σ

Natural logarithms in both δ and σ² (a public implementation mixes log10 in δ with
this natural-log variance, which shrinks every z by ln 10).

The prior is α_w = α₀·π_w: π is the baseline's frequency against human text and the
pooled frequency of the two corpora between checkpoints; α₀ is `PRIOR_STRENGTH`
pseudo-words. It shrinks the rates of small corpora toward π and keeps δ finite for
a word one side never uses; for corpora of millions of words it barely matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._baseline import HumanBaseline

PRIOR_STRENGTH = 10_000.0
"""α₀: the prior is worth this many words of text distributed like π."""


@dataclass(frozen=True)
class LogOdds:
    """One log-odds comparison of a word between corpus i and corpus j."""

    delta: float
    """δ: log-odds of the word in i minus in j (natural log); > 0 means i uses it more."""
    variance: float
    """σ², the approximate variance of δ."""

    @property
    def z(self) -> float:
        """δ/σ."""
        return self.delta / math.sqrt(self.variance)

    def low(self, z_crit: float = 1.959963984540054) -> float:
        """Lower end of the interval δ ± z_crit·σ (the ranking score: large and sure)."""
        return self.delta - z_crit * math.sqrt(self.variance)


def log_odds(
    y_i: float, n_i: float, y_j: float, n_j: float, alpha: float, alpha0: float
) -> LogOdds:
    """δ and σ² of one word between two corpora.

    Args:
        y_i: Count of the word in corpus i.
        n_i: Total words in corpus i.
        y_j: Count of the word in corpus j.
        n_j: Total words in corpus j.
        alpha: α_w, the word's prior pseudo-count (> 0).
        alpha0: α₀, the prior's total pseudo-count.

    Returns:
        The comparison.
    """
    if alpha <= 0:
        raise ValueError(f"the prior pseudo-count must be positive, got {alpha}")
    delta = math.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha)) - math.log(
        (y_j + alpha) / (n_j + alpha0 - y_j - alpha)
    )
    return LogOdds(delta, 1 / (y_i + alpha) + 1 / (y_j + alpha))


def vs_baseline(
    count: int,
    total: int,
    frequency: float,
    baseline: HumanBaseline,
    alpha0: float = PRIOR_STRENGTH,
) -> LogOdds:
    """A word's use in a CoT corpus against human text.

    Args:
        count: Occurrences in the CoT corpus.
        total: Words in the CoT corpus.
        frequency: The word's baseline frequency (floored).
        baseline: The baseline (its pseudo-corpus size).
        alpha0: Prior strength α₀; the prior is α₀ times the baseline frequency.

    Returns:
        The comparison, CoT corpus as i, human text as j.
    """
    size = baseline.size
    return log_odds(count, total, frequency * size, size, alpha0 * frequency, alpha0)


def between(
    y_a: int, n_a: int, y_b: int, n_b: int, alpha0: float = PRIOR_STRENGTH
) -> LogOdds | None:
    """A word's use in corpus a against corpus b, with the pooled corpus as prior.

    Args:
        y_a: Occurrences in corpus a.
        n_a: Words in corpus a.
        y_b: Occurrences in corpus b.
        n_b: Words in corpus b.
        alpha0: Prior strength α₀; the prior is α₀ times the pooled frequency.

    Returns:
        The comparison (a as i), or None when neither corpus uses the word.
    """
    pooled = (y_a + y_b) / (n_a + n_b) if n_a + n_b else 0.0
    if pooled <= 0:
        return None
    return log_odds(y_a, n_a, y_b, n_b, alpha0 * pooled, alpha0)
