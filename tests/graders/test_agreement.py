from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from cotscope.graders import cohen_kappa, krippendorff_alpha

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders, 12 units.
K = [
    [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1],
    [None, None, None, 3],
]  # fmt: skip


def test_krippendorff_reference_values() -> None:
    assert krippendorff_alpha(K, "nominal") == pytest.approx(0.743, abs=1e-3)
    assert krippendorff_alpha(K, "interval") == pytest.approx(0.849, abs=1e-3)


def test_cohen_kappa_matches_sklearn() -> None:
    a = ["yes", "no", "yes", "yes", "no", "no", "yes", "no", "no", "no"]
    b = ["yes", "no", "no", "yes", "no", "yes", "yes", "no", "no", "no"]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    # Failed grades (None) drop the item for both judges.
    assert cohen_kappa(a + [None], b + ["yes"]) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa(["yes"], ["yes"]) is None
    assert cohen_kappa(["no"] * 4, ["no"] * 4) == 1.0
    # Two judges, no missing: α is close to κ (equal for large n).
    alpha = krippendorff_alpha([[x, y] for x, y in zip(a, b, strict=True)])
    assert alpha is not None and abs(alpha - cohen_kappa_score(a, b)) < 0.05
