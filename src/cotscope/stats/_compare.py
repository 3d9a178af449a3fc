"""Comparing two models or checkpoints on one measure.

Paired, when both ran the same prompts (same variant and epoch): McNemar's exact
test on the discordant pairs, and the difference of rates with a paired
bootstrap interval: a Bayesian bootstrap of the shares of the three pair types
(only A, neither/both, only B) with a Jeffreys Dirichlet(½) prior, seeded, so
that 41 of 41 discordant pairs give about [0.86, 1], not a zero-width [1, 1].
Unpaired otherwise: Fisher's exact test, and the difference with Newcombe's
hybrid score interval (built from Wilson intervals).
The difference is always B − A.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._aggregate import DEFAULT_RESAMPLES, DEFAULT_SEED
from ._intervals import wilson_interval


@dataclass(frozen=True)
class Comparison:
    """Difference of one rate between model A and model B (B − A)."""

    design: Literal["paired", "unpaired"]
    """Paired on shared prompts, or two independent samples."""
    test: Literal["mcnemar-exact", "fisher-exact"]
    """Test behind `p_value`."""
    ci_method: Literal["paired-bootstrap", "newcombe"]
    """How the interval of the difference was computed."""
    n_a: int
    """Samples of A used (pairs, when paired)."""
    n_b: int
    """Samples of B used (pairs, when paired)."""
    k_a: int
    """Samples of A with the outcome."""
    k_b: int
    """Samples of B with the outcome."""
    rate_a: float | None
    """Rate of A, or None for no data."""
    rate_b: float | None
    """Rate of B, or None for no data."""
    difference: float | None
    """rate_b − rate_a."""
    ci_low: float | None
    """Lower end of the interval of the difference."""
    ci_high: float | None
    """Upper end of the interval of the difference."""
    p_value: float | None
    """Two-sided p-value of no difference."""
    discordant_a: int | None = None
    """Pairs where only A has the outcome (paired design)."""
    discordant_b: int | None = None
    """Pairs where only B has the outcome (paired design)."""


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value from the two discordant counts.

    Args:
        only_a: Pairs where only A has the outcome.
        only_b: Pairs where only B has the outcome.

    Returns:
        min(1, 2·P(X <= min) ) for X ~ Binomial(only_a + only_b, 1/2); 1.0 without discordance.
    """
    if only_a < 0 or only_b < 0:
        raise ValueError("counts must be non-negative")
    total = only_a + only_b
    if total == 0:
        return 1.0
    from scipy.stats import binom

    return float(min(1.0, 2 * binom.cdf(min(only_a, only_b), total, 0.5)))


def paired_comparison(
    pairs: Sequence[tuple[bool, bool]],
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Comparison:
    """Compare A and B on the same prompts.

    Args:
        pairs: (A has the outcome, B has the outcome), one per shared prompt.
        confidence: Coverage of the interval.
        resamples: Bootstrap resamples over pairs.
        seed: Bootstrap seed.

    Returns:
        The comparison; rates and interval are None without pairs.
    """
    n = len(pairs)
    both = sum(1 for a, b in pairs if a and b)
    only_a = sum(1 for a, b in pairs if a and not b)
    only_b = sum(1 for a, b in pairs if b and not a)
    if n == 0:
        return Comparison(
            "paired", "mcnemar-exact", "paired-bootstrap", 0, 0, 0, 0,
            None, None, None, None, None, None, 0, 0,
        )  # fmt: skip
    k_a, k_b = both + only_a, both + only_b
    # Each pair's difference is -1, 0 or +1, so only the shares of the three types matter.
    # Bayesian bootstrap: draw the shares from Dirichlet(counts + 1/2) (Jeffreys), which
    # unlike resampling does not collapse to a point when every pair is of one type.
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet([only_a + 0.5, n - only_a - only_b + 0.5, only_b + 0.5], resamples)
    diffs = shares[:, 2] - shares[:, 0]
    alpha = 1 - confidence
    low, high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    difference = (k_b - k_a) / n
    return Comparison(
        design="paired",
        test="mcnemar-exact",
        ci_method="paired-bootstrap",
        n_a=n,
        n_b=n,
        k_a=k_a,
        k_b=k_b,
        rate_a=k_a / n,
        rate_b=k_b / n,
        difference=difference,
        ci_low=float(min(low, difference)),
        ci_high=float(max(high, difference)),
        p_value=mcnemar_exact(only_a, only_b),
        discordant_a=only_a,
        discordant_b=only_b,
    )


def newcombe_interval(
    k_a: int, n_a: int, k_b: int, n_b: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Newcombe's hybrid score interval for rate_b − rate_a; None if either n is 0."""
    wa = wilson_interval(k_a, n_a, confidence)
    wb = wilson_interval(k_b, n_b, confidence)
    if wa is None or wb is None:
        return None
    pa, pb = k_a / n_a, k_b / n_b
    d = pb - pa
    low = d - float(np.hypot(pb - wb[0], wa[1] - pa))
    high = d + float(np.hypot(wb[1] - pb, pa - wa[0]))
    return low, high


def unpaired_comparison(
    k_a: int, n_a: int, k_b: int, n_b: int, confidence: float = 0.95
) -> Comparison:
    """Compare two independent samples.

    Args:
        k_a: Samples of A with the outcome.
        n_a: Samples of A with a parseable outcome.
        k_b: Samples of B with the outcome.
        n_b: Samples of B with a parseable outcome.
        confidence: Coverage of the interval.

    Returns:
        The comparison; fields are None where a side has no data.
    """
    interval = newcombe_interval(k_a, n_a, k_b, n_b, confidence)
    rate_a = k_a / n_a if n_a else None
    rate_b = k_b / n_b if n_b else None
    p_value = None
    if interval is not None:
        from scipy.stats import fisher_exact

        p_value = float(fisher_exact(np.array([[k_b, n_b - k_b], [k_a, n_a - k_a]])).pvalue)
    return Comparison(
        design="unpaired",
        test="fisher-exact",
        ci_method="newcombe",
        n_a=n_a,
        n_b=n_b,
        k_a=k_a,
        k_b=k_b,
        rate_a=rate_a,
        rate_b=rate_b,
        difference=None if interval is None else k_b / n_b - k_a / n_a,
        ci_low=None if interval is None else interval[0],
        ci_high=None if interval is None else interval[1],
        p_value=p_value,
    )
