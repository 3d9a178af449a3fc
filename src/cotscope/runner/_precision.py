"""Adaptive epochs: how many more samples each variant family needs for a target width.

A family's rates are pooled over its variants among parseable samples, as in the
summary. A family meets the target when every outcome's 95% Wilson interval has a
half-width ((high - low) / 2) at most `half_width`. For one that does not, the
samples still needed are estimated from the current rate and parse rate, and each of
its variants gets an equal share as extra epochs; a round at most multiplies a
variant's epochs by `ROUND_GROWTH`, so an early, noisy estimate cannot overshoot by
much, while a family that needs many more samples gets them in few rounds (each
round is one more Inspect eval, and its last batch runs part-empty).

Stopping when an interval is narrow enough, not when the estimate looks a certain
way, is the fixed-width sequential design (Chow & Robbins, 1965): coverage stays
close to nominal, and the rule is recorded in the run's spec.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..stats import EXCLUDED_OUTCOMES, wilson_interval
from ..suites import Variant
from ..sweeps import Precision

ROUND_GROWTH = 4
"""Most a round multiplies a variant's epochs by."""


@dataclass(frozen=True)
class FamilyPrecision:
    """Where one family of one model stands against the target."""

    family: str
    samples: int
    """Every stored sample, parseable or not."""
    parseable: int
    """Samples with an outcome other than unparseable or error: the rates' n."""
    half_width: float
    """Widest half-width over the outcomes considered (1.0 when nothing parsed)."""
    worst_rate: float
    """The considered outcome rate closest to one half (its interval is the widest)."""

    def met(self, target: float) -> bool:
        """Whether every considered rate is within the target half-width."""
        return self.half_width <= target + 1e-12


def half_width(k: int, n: int) -> float:
    """Half-width of the 95% Wilson interval of k in n (1.0 for n = 0)."""
    ci = wilson_interval(k, n)
    return 1.0 if ci is None else (ci[1] - ci[0]) / 2


def family_precision(
    outcomes: Iterable[tuple[str, str, int]], considered: Sequence[str] | None
) -> dict[str, FamilyPrecision]:
    """Tally (family, outcome, count) rows of one model into per-family precision.

    Args:
        outcomes: (family, outcome label, count) rows.
        considered: Outcome labels that must meet the target; None for all parseable.

    Returns:
        Per family, its standing.
    """
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for family, outcome, k in outcomes:
        counts[family][outcome] = counts[family].get(outcome, 0) + k
    out = {}
    for family, by_label in counts.items():
        n = sum(k for label, k in by_label.items() if label not in EXCLUDED_OUTCOMES)
        labels = [lb for lb in by_label if lb not in EXCLUDED_OUTCOMES]
        if considered is not None:
            labels = list(considered)
        widths = [(half_width(by_label.get(lb, 0), n), by_label.get(lb, 0)) for lb in labels]
        widest, k = max(widths, default=(half_width(0, n), 0))
        out[family] = FamilyPrecision(
            family=family,
            samples=sum(by_label.values()),
            parseable=n,
            half_width=widest if n else 1.0,
            worst_rate=k / n if n else 0.5,
        )
    return out


def parseable_needed(rate: float, target: float) -> int:
    """Smallest n whose Wilson interval at `rate` has half-width <= target."""
    z2 = 1.959963984540054**2
    n = max(1, math.floor(z2 * rate * (1 - rate) / (target * target)) - 5)
    while half_width(round(rate * n), n) > target + 1e-12:
        n += 1
    return n


def next_epochs(
    variants: Sequence[Variant],
    epochs_done: dict[str, int],
    standing: dict[str, FamilyPrecision],
    precision: Precision,
) -> dict[str, int]:
    """Epoch counts to raise variants to, for the families short of the target.

    Args:
        variants: The suite's selected variants.
        epochs_done: Epochs stored per variant id (for this model).
        standing: Per-family precision from `family_precision`.
        precision: The target.

    Returns:
        Variant id -> new epoch count, only for variants that get more.
    """
    by_family: dict[str, list[Variant]] = defaultdict(list)
    for v in variants:
        by_family[v.family].append(v)
    raised: dict[str, int] = {}
    for family, members in by_family.items():
        fam = standing.get(family)
        if fam is None or fam.met(precision.half_width):
            continue
        parse_rate = (fam.parseable + 1) / (fam.samples + 2)
        short = parseable_needed(fam.worst_rate, precision.half_width) - fam.parseable
        extra = max(1, math.ceil(max(short, 1) / parse_rate / len(members)))
        for v in members:
            have = epochs_done.get(v.id, 0)
            want = min(precision.max_epochs, have + extra, max(ROUND_GROWTH * have, have + 1))
            if want > have:
                raised[v.id] = want
    return raised
