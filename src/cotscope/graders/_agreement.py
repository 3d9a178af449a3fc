"""Agreement between judges: Cohen's κ for two, Krippendorff's α for any number.

Both take labels per item; a missing label (a failed grade) is None. κ uses only
items both judges graded; α uses every item with at least two labels, as defined.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import permutations
from typing import Literal


def cohen_kappa(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> float | None:
    """Cohen's κ of two judges' nominal labels over the items both graded.

    Args:
        a: First judge's label per item (None: no grade).
        b: Second judge's label per item, aligned with `a`.

    Returns:
        κ, or None when fewer than two items are shared. When both judges use one and
        the same label throughout, expected agreement is 1 and κ is defined as 1.
    """
    if len(a) != len(b):
        raise ValueError("label sequences differ in length")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    n = len(pairs)
    if n < 2:
        return None
    observed = sum(x == y for x, y in pairs) / n
    ca = Counter(x for x, _ in pairs)
    cb = Counter(y for _, y in pairs)
    expected = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if expected == 1:
        return 1.0
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(
    units: Sequence[Sequence[Hashable | float | None]],
    level: Literal["nominal", "interval"] = "nominal",
) -> float | None:
    """Krippendorff's α for any number of judges, with missing values.

    Args:
        units: One row per item, one value per judge (None: no grade).
        level: `nominal` for labels, `interval` for numeric scores.

    Returns:
        α, or None when fewer than two values are pairable. When every pairable value
        is the same, expected disagreement is 0 and α is defined as 1.
    """

    def delta(x: object, y: object) -> float:
        if level == "nominal":
            return 0.0 if x == y else 1.0
        return (float(x) - float(y)) ** 2  # type: ignore[arg-type]

    pairable = [[v for v in unit if v is not None] for unit in units]
    pairable = [u for u in pairable if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    if n < 2:
        return None
    observed = 0.0
    for unit in pairable:
        m = len(unit)
        observed += sum(delta(x, y) for x, y in permutations(unit, 2)) / (m - 1)
    observed /= n
    values = [v for u in pairable for v in u]
    counts = Counter(values)
    expected = 0.0
    keys = list(counts)
    for i, x in enumerate(keys):
        for y in keys[i + 1 :]:
            expected += 2 * counts[x] * counts[y] * delta(x, y)
    expected /= n * (n - 1)
    if expected == 0:
        return 1.0
    return 1 - observed / expected
