"""Emergence: words near zero in early checkpoints whose use rises significantly later.

For every candidate word of a suite (it has a letter and is used in at least
`min_cots` CoTs overall) the share of CoTs that use it is tested for a monotone
increase over the checkpoints (one-sided Cochran–Armitage, ranks as scores), with
Holm's correction across all candidates. Filtering on the total number of CoTs is
legitimate: the test conditions on that margin, so the filter cannot favour a
trend. For each word that passes, every later checkpoint is compared with the
first (one-sided Fisher exact), Holm-corrected across those checkpoints; the
earliest significant one is where the word first rises. A word that also sat near
zero at the first checkpoint (rate at most `near_zero_per_1k` per 1,000 words) is
*emergent*; the others are *rising*. Near-zero is a label applied after testing,
not a filter before it: selecting words by a low first checkpoint would favour
words that were low there by chance and then "rise" back to their usual level.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..stats import holm_adjust
from ._counts import CheckpointCounts
from ._logodds import PRIOR_STRENGTH, LogOdds, between
from ._stats import cochran_armitage_increasing, fisher_greater


@dataclass(frozen=True)
class Trend:
    """The trend and first-rise tests of one term in one suite."""

    forms: tuple[str, ...]
    """The tokens counted."""
    z: float
    """Cochran–Armitage statistic (> 0: rising share of CoTs)."""
    p_value: float
    """One-sided p-value of the trend."""
    p_holm: float
    """Holm-adjusted across the family of terms tested."""
    n_tested: int
    """Size of that family."""
    rise_p: tuple[float, ...]
    """One-sided Fisher p of each later checkpoint against the first."""
    rise_p_holm: tuple[float, ...]
    """The same, Holm-adjusted across the later checkpoints."""
    first_rise: int | None
    """Index (in x order) of the first significant rise; None if none."""
    near_zero_start: bool
    """Rate at the first checkpoint at most the near-zero threshold."""
    effect: LogOdds | None
    """Log-odds of the term after vs before the first rise (pooled prior); None without one."""


def has_letter(token: str) -> bool:
    """Whether a token is a word (has a letter) rather than a number or a symbol."""
    return any(c.isalpha() for c in token)


def candidates(pooled: CheckpointCounts, min_cots: int) -> list[str]:
    """Words of a suite worth testing: with a letter, used in at least `min_cots` CoTs."""
    return [w for w, d in pooled.docs.items() if d >= min_cots and has_letter(w)]


def test_trends(
    checkpoints: Sequence[CheckpointCounts],
    terms: Iterable[tuple[str, ...]],
    alpha: float = 0.05,
    near_zero_per_1k: float = 0.1,
    prior_strength: float = PRIOR_STRENGTH,
) -> dict[tuple[str, ...], Trend]:
    """Test a family of terms for a rising share of CoTs, and locate each first rise.

    Args:
        checkpoints: The suite's checkpoints in x order, each with CoTs.
        terms: The family (each term a tuple of forms); Holm runs across it.
        alpha: Family-wise error rate, for the trend family and within each term's rises.
        near_zero_per_1k: Largest rate per 1,000 words at the first checkpoint that
            counts as near zero.
        prior_strength: α₀ of the after-vs-before log-odds.

    Returns:
        Every testable term's trend, keyed by its forms (significant or not).
    """
    totals = [c.n_cots for c in checkpoints]
    tested: list[tuple[tuple[str, ...], list[int], float, float]] = []
    for forms in terms:
        hits = [c.docs_of(forms) for c in checkpoints]
        result = cochran_armitage_increasing(hits, totals)
        if result is not None:
            tested.append((forms, hits, result[0], result[1]))
    adjusted = holm_adjust([p for _, _, _, p in tested])
    out: dict[tuple[str, ...], Trend] = {}
    for (forms, hits, z, p), p_adj in zip(tested, adjusted, strict=True):
        rise_p: tuple[float, ...] = ()
        rise_adj: tuple[float, ...] = ()
        rise: int | None = None
        effect = None
        if p_adj < alpha and z > 0:
            rise_p = tuple(
                fisher_greater(hits[k], totals[k], hits[0], totals[0])
                for k in range(1, len(checkpoints))
            )
            rise_adj = tuple(holm_adjust(rise_p))
            rise = next((k + 1 for k, q in enumerate(rise_adj) if q < alpha), None)
            if rise is not None:
                effect = _after_vs_before(checkpoints, forms, rise, prior_strength)
        first = checkpoints[0]  # tested is empty without two checkpoints
        start_rate = 1000 * first.count_of(forms) / first.n_words if first.n_words else 0.0
        out[forms] = Trend(
            forms=forms,
            z=z,
            p_value=p,
            p_holm=p_adj,
            n_tested=len(tested),
            rise_p=rise_p,
            rise_p_holm=rise_adj,
            first_rise=rise,
            near_zero_start=start_rate <= near_zero_per_1k,
            effect=effect,
        )
    return out


def _after_vs_before(
    checkpoints: Sequence[CheckpointCounts], forms: tuple[str, ...], rise: int, prior: float
) -> LogOdds | None:
    before, after = checkpoints[:rise], checkpoints[rise:]
    return between(
        sum(c.count_of(forms) for c in after),
        sum(c.n_words for c in after),
        sum(c.count_of(forms) for c in before),
        sum(c.n_words for c in before),
        prior,
    )
