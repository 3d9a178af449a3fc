"""AUC, calibration error and Brier score against references; the cluster bootstrap."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cotscope.suites.eval_awareness_probe import (
    auc,
    brier_score,
    calibration_error,
    cluster_bootstrap,
    reliability,
    says_eval_rate,
)


def brute_auc(p: list[float], y: list[bool]) -> float:
    pos = [a for a, t in zip(p, y, strict=True) if t]
    neg = [a for a, t in zip(p, y, strict=True) if not t]
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def brute_ece(p: list[float], y: list[bool], bins: int = 10) -> float:
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [
            (a, t)
            for a, t in zip(p, y, strict=True)
            if lo <= a < hi or (b == bins - 1 and a == 1.0)
        ]
        if members:
            gap = abs(
                sum(a for a, _ in members) / len(members)
                - sum(t for _, t in members) / len(members)
            )
            total += len(members) / len(p) * gap
    return total


probabilities = st.lists(
    st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 0.99, 1.0]) | st.floats(0, 1),
    min_size=2,
    max_size=60,
)


@given(probabilities, st.data())
def test_auc_matches_pairwise_definition_with_ties(p: list[float], data: st.DataObject) -> None:
    y = data.draw(st.lists(st.booleans(), min_size=len(p), max_size=len(p)))
    if all(y) or not any(y):
        assert auc(p, y) is None
        return
    assert auc(p, y) == pytest.approx(brute_auc(p, y), abs=1e-9)


def test_auc_matches_sklearn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = np.round(rng.random(300), int(rng.integers(1, 4)))  # coarse values force ties
        y = rng.random(300) < rng.uniform(0.2, 0.8)
        assert auc(p, y) == pytest.approx(metrics.roc_auc_score(y, p), abs=1e-9)
        assert brier_score(p, y) == pytest.approx(metrics.brier_score_loss(y, p), abs=1e-9)


def test_auc_properties() -> None:
    y = [True, True, False, False, True]
    p = [0.9, 0.6, 0.2, 0.6, 0.1]
    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.5] * 4, [True, True, False, False]) == 0.5  # all ties: chance
    assert auc([1 - x for x in p], y) == pytest.approx(1 - (auc(p, y) or 0))  # flip
    # Invariant under any strictly increasing transform of the probabilities.
    assert auc([x**3 for x in p], y) == pytest.approx(auc(p, y))


@given(probabilities, st.data())
def test_ece_matches_binned_definition(p: list[float], data: st.DataObject) -> None:
    y = data.draw(st.lists(st.booleans(), min_size=len(p), max_size=len(p)))
    assert calibration_error(p, y) == pytest.approx(brute_ece(p, y), abs=1e-9)
    assert 0.0 <= (calibration_error(p, y) or 0.0) <= 1.0
    assert brier_score(p, y) == pytest.approx(np.mean((np.array(p) - np.array(y)) ** 2), abs=1e-12)


def test_calibration_known_values() -> None:
    # Perfectly calibrated: p = 0.25 on four answers, one of them an evaluation.
    assert calibration_error([0.25] * 4, [True, False, False, False]) == pytest.approx(0.0)
    # Confidently wrong everywhere.
    assert calibration_error([1.0, 0.0], [False, True]) == pytest.approx(1.0)
    assert brier_score([1.0, 0.0], [False, True]) == pytest.approx(1.0)
    bins = reliability([0.05, 0.07, 0.95, 1.0], [False, True, True, True])
    assert [b.n for b in bins] == [2, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[0].mean_probability == pytest.approx(0.06) and bins[0].eval_share == 0.5
    assert bins[9].high == 1.0 and bins[1].mean_probability is None
    assert says_eval_rate([0.5, 0.49, 0.9], [True, True, False], True) == 0.5
    assert says_eval_rate([0.5], [True], False) is None


def test_metrics_reject_bad_input() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        auc([0.2, 1.5], [True, False])
    with pytest.raises(ValueError, match="equal length"):
        brier_score([0.2], [True, False])
    assert brier_score([], []) is None and calibration_error([], []) is None


def _clustered(n_transcripts: int, per: int, signal: float, seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    truth = np.arange(n_transcripts) % 2 == 0
    base = np.where(truth, 0.5 + signal, 0.5 - signal) + rng.normal(0, 0.2, n_transcripts)
    p = np.clip(np.repeat(base, per) + rng.normal(0, 0.02, n_transcripts * per), 0, 1)
    return p, np.repeat(truth, per), [f"t{i}" for i in np.repeat(np.arange(n_transcripts), per)]


def test_bootstrap_interval_contains_estimate_and_is_reproducible() -> None:
    p, y, clusters = _clustered(40, 4, 0.15, seed=1)
    stats = {"auc": auc, "ece": calibration_error, "brier": brier_score}
    cis = cluster_bootstrap(p, y, clusters, stats, resamples=500)
    again = cluster_bootstrap(p, y, clusters, stats, resamples=500)
    assert cis == again
    for key, fn in stats.items():
        ci = cis[key]
        assert ci is not None and ci[0] <= (fn(p, y) or 0) <= ci[1] and ci[0] < ci[1]


def test_bootstrap_resamples_transcripts_not_answers() -> None:
    # Repeating each transcript's answers adds no information: resampling whole
    # transcripts keeps the interval as wide as with one answer per transcript.
    p1, y1, c1 = _clustered(30, 1, 0.1, seed=2)
    p8, y8, c8 = np.repeat(p1, 8), np.repeat(y1, 8), [c for c in c1 for _ in range(8)]
    one = cluster_bootstrap(p1, y1, c1, {"auc": auc}, resamples=800)["auc"]
    eight = cluster_bootstrap(p8, y8, c8, {"auc": auc}, resamples=800)["auc"]
    assert one is not None and eight is not None
    assert eight[1] - eight[0] == pytest.approx(one[1] - one[0], rel=0.25)
    naive = cluster_bootstrap(p8, y8, [str(i) for i in range(len(p8))], {"auc": auc}, resamples=800)
    assert naive["auc"] is not None
    assert naive["auc"][1] - naive["auc"][0] < 0.6 * (eight[1] - eight[0])


def test_bootstrap_edge_cases() -> None:
    assert cluster_bootstrap([0.2, 0.4], [True, True], ["a", "a"], {"auc": auc}) == {"auc": None}
    # One class only: AUC undefined on every resample, Brier still has an interval.
    out = cluster_bootstrap([0.2, 0.4], [True, True], ["a", "b"], {"auc": auc, "b": brier_score})
    assert out["auc"] is None and out["b"] is not None
    with pytest.raises(ValueError, match="mixes"):
        cluster_bootstrap([0.2, 0.4, 0.1], [True, False, True], ["a", "a", "b"], {"auc": auc})


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_stratified_resamples_keep_both_classes(seed: int) -> None:
    p, y, clusters = _clustered(6, 2, 0.2, seed=seed)
    ci = cluster_bootstrap(p, y, clusters, {"auc": auc}, resamples=50, seed=seed)["auc"]
    assert ci is not None and 0.0 <= ci[0] <= ci[1] <= 1.0
