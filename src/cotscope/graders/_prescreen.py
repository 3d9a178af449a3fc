"""The prescreen-corrected rate: judged positives plus the positives estimated among skipped CoTs.

Under `--prescreen lexical` the judge sees the detector's candidates and a random
audit sample of the unflagged CoTs; the rest are skipped. The share flagged among
judged CoTs is biased up (the skipped are mostly negatives). The corrected rate
counts every CoT with a usable grade or a skip:

    rate = (k_judged + m · skipped) / (n_judged + skipped),   m = k_audit / n_audit,

the stratified estimator with strata "judged outside the audit" and "unflagged"
(audit + skipped), whose positive share is estimated from the audit. Each
checkpoint is its own stratum pair, so a rise in missed positives over training is
not averaged away.

Interval: a parametric bootstrap on the stratum rates. Each draw takes every
stratum's positive share from its Jeffreys Beta(k + ½, n − k + ½) distribution,
forms the weighted mean, and the interval is the 2.5th and 97.5th percentile of the
draws. Jeffreys intervals cover close to nominal and are close to Wilson ones;
unlike a plug-in bootstrap they do not collapse to a point when an audit finds no
positives (0/5 audited still leaves up to ~40% of the unflagged possibly positive).
The interval is widened to contain the estimate when every stratum sits at 0 or 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

DRAWS = 4000
"""Bootstrap draws of the corrected rate."""


@dataclass(frozen=True)
class PrescreenStratum:
    """One checkpoint's CoTs under a prescreen, by what happened to them."""

    judged_k: int
    """Judged outside the audit (candidates, or graded before any prescreen): flagged."""
    judged_n: int
    """Judged outside the audit with a usable grade."""
    audit_k: int
    """Audited unflagged CoTs the judge flagged."""
    audit_n: int
    """Audited unflagged CoTs with a usable grade."""
    skipped: int
    """Unflagged CoTs the judge never saw."""


@dataclass(frozen=True)
class CorrectedRate:
    """A prescreen-corrected rate over every CoT with a usable grade or a skip."""

    rate: float | None
    """Estimated positive share; None when skipped CoTs exist but no audit grade does."""
    interval: tuple[float, float] | None
    """95% parametric-bootstrap interval (Jeffreys draws per stratum)."""
    n: int
    """CoTs in the denominator: usable grades plus skips."""
    estimated_positive: float | None
    """Judged positives plus the estimated positives among the skipped."""
    missed: float | None
    """Estimated positives among the skipped alone."""
    skipped: int
    """Skipped CoTs."""


def corrected_rate(
    strata: Sequence[PrescreenStratum], draws: int = DRAWS, seed: int = 0
) -> CorrectedRate:
    """The prescreen-corrected rate of one or more strata (e.g. a run's checkpoints).

    Args:
        strata: One entry per checkpoint (or one for a single pool).
        draws: Bootstrap draws for the interval.
        seed: Seed of the draws.

    Returns:
        The corrected rate; rate and interval are None when a stratum has skipped CoTs
        but no usable audit grade (nothing says how many of them are positive), or
        when there is no CoT at all.
    """
    n = sum(s.judged_n + s.audit_n + s.skipped for s in strata)
    skipped = sum(s.skipped for s in strata)
    if n == 0 or any(s.skipped and not s.audit_n for s in strata):
        return CorrectedRate(None, None, n, None, None, skipped)
    missed = sum(s.audit_k / s.audit_n * s.skipped for s in strata if s.skipped)
    positive = sum(s.judged_k + s.audit_k for s in strata) + missed
    rng = np.random.default_rng(seed)
    total = np.zeros(draws)
    for s in strata:
        # Each stratum's share of positives, drawn; weighted by its size in CoTs.
        if s.judged_n:
            total += s.judged_n * rng.beta(s.judged_k + 0.5, s.judged_n - s.judged_k + 0.5, draws)
        if s.audit_n:
            unflagged = s.audit_n + s.skipped
            total += unflagged * rng.beta(s.audit_k + 0.5, s.audit_n - s.audit_k + 0.5, draws)
    low, high = np.quantile(total / n, [0.025, 0.975])
    rate = positive / n
    # Jeffreys draws never reach 0 or 1: keep the estimate inside its own interval
    # (the usual boundary fix for Jeffreys intervals at k = 0 or k = n).
    interval = (min(float(low), rate), max(float(high), rate))
    return CorrectedRate(rate, interval, n, positive, missed, skipped)


def stratum(grades: Iterable[tuple[str, bool | None, str | None]]) -> PrescreenStratum:
    """Count one checkpoint's grades into a stratum; failures are left out (counted elsewhere).

    Args:
        grades: `(outcome, positive, prescreen role)` per grade of one judge and rubric.

    Returns:
        The stratum.
    """
    jk = jn = ak = an = skipped = 0
    for outcome, positive, role in grades:
        if outcome == "screened-out":
            skipped += 1
        elif outcome == "graded" and role == "audit":
            an += 1
            ak += bool(positive)
        elif outcome == "graded":
            jn += 1
            jk += bool(positive)
    return PrescreenStratum(jk, jn, ak, an, skipped)
