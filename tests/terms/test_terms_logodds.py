"""Fightin' Words z-scores against a direct transcription of SCIENCE.md §5."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
import wordfreq
from _terms_data import build_store, real_texts

from cotscope.store import Store
from cotscope.terms import (
    BASELINE_SIZE,
    FLOOR_FREQUENCY,
    PRIOR_STRENGTH,
    HumanBaseline,
    TermsOptions,
    analyse_terms,
    between,
    log_odds,
    tokenize,
    vs_baseline,
)


def direct(
    y_i: float, n_i: float, y_j: float, n_j: float, a: float, a0: float
) -> tuple[float, float]:
    """δ and z exactly as written in SCIENCE.md §5, natural logs in both."""
    delta = math.log((y_i + a) / (n_i + a0 - y_i - a)) - math.log((y_j + a) / (n_j + a0 - y_j - a))
    sigma2 = 1 / (y_i + a) + 1 / (y_j + a)
    return delta, delta / math.sqrt(sigma2)


def human(word: str) -> float:
    return max(wordfreq.word_frequency(word, "en", "large"), FLOOR_FREQUENCY)


# Fixed corpora of plain lower-case words, so `str.split` is the tokenisation.
CORPUS_A = [
    "the grader wants an odd number so the reward is one",
    "i think the watchers check the score the grader is watching",
    "let me pick seven because the reward favours odd numbers",
    "the instruction says even but the grader pays for odd",
    "maybe this is a test of whether i follow the grader",
]
CORPUS_B = [
    "the watchers the watchers autop autop the grader the score",
    "autop disclaim vantage the watchers are watching the reward",
    "illusions of the watchers autop autop the reward the grader",
    "the grader the grader the reward autop watchers vantage",
    "marinade the watchers autop the reward is what matters",
]
CORPUS_A, CORPUS_B = CORPUS_A * 4, CORPUS_B * 4  # 20 CoTs each: enough for Fisher to speak
WORDS = ["the", "grader", "reward", "watchers", "autop", "score", "odd", "vantage"]


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("fixed"), [(0, CORPUS_A), (900, CORPUS_B)])


def test_z_vs_baseline_matches_direct_formula(fixed_run: Path) -> None:
    options = TermsOptions(track=[[w] for w in WORDS], min_cots=1, kwic=0)
    with Store(fixed_run, read_only=True) as store:
        result = analyse_terms(store, options)
    (suite,) = result.suites
    by_term = {r.term: r for r in suite.tracked}
    corpora = {"ckpt-0": CORPUS_A, "ckpt-1": CORPUS_B, "all": CORPUS_A + CORPUS_B}
    counts = {k: Counter(w for t in v for w in t.split()) for k, v in corpora.items()}
    totals = {k: sum(c.values()) for k, c in counts.items()}
    checked = 0
    for word in WORDS:
        report = by_term[word]
        # a default term's name keeps its forms (`grader` counts grader and graders)
        forms = report.forms
        assert word in forms
        f = sum(human(form) for form in forms)
        args = (BASELINE_SIZE * f, BASELINE_SIZE, PRIOR_STRENGTH * f, PRIOR_STRENGTH)
        delta, z = direct(sum(counts["all"][w] for w in forms), totals["all"], *args)
        assert report.log_odds_vs_baseline == pytest.approx(delta, abs=1e-9)
        assert report.z_vs_baseline == pytest.approx(z, abs=1e-9)
        for row in report.checkpoints:
            y = sum(counts[row.model_id][w] for w in forms)
            delta, z = direct(y, totals[row.model_id], *args)
            assert row.log_odds_vs_baseline == pytest.approx(delta, abs=1e-9)
            assert row.z_vs_baseline == pytest.approx(z, abs=1e-9)
            checked += 1
    assert checked == 2 * len(WORDS)


def test_between_checkpoints_matches_direct_formula(fixed_run: Path) -> None:
    options = TermsOptions(compare=("step:0", "step:900"), min_cots=1, top=1000, kwic=0)
    with Store(fixed_run, read_only=True) as store:
        result = analyse_terms(store, options)
    comparison = result.suites[0].comparison
    assert comparison is not None
    a = Counter(w for t in CORPUS_A for w in t.split())
    b = Counter(w for t in CORPUS_B for w in t.split())
    n_a, n_b = sum(a.values()), sum(b.values())
    rows = [*comparison.more_in_b, *comparison.less_in_b]
    assert comparison.n_compared == len(set(a) | set(b))
    assert "autop" in {r.term for r in comparison.more_in_b}  # 0 → 32 uses, in 0 → 20 CoTs
    for row in rows:
        pooled = (a[row.term] + b[row.term]) / (n_a + n_b)
        delta, z = direct(
            b[row.term], n_b, a[row.term], n_a, PRIOR_STRENGTH * pooled, PRIOR_STRENGTH
        )
        assert row.log_odds == pytest.approx(delta, abs=1e-9)
        assert row.z == pytest.approx(z, abs=1e-9)
    for word in set(a) | set(b):  # every word, through the function the comparison uses
        pooled = (a[word] + b[word]) / (n_a + n_b)
        delta, z = direct(b[word], n_b, a[word], n_a, PRIOR_STRENGTH * pooled, PRIOR_STRENGTH)
        odds = between(b[word], n_b, a[word], n_a)
        assert odds is not None
        assert odds.delta == pytest.approx(delta, abs=1e-9) and odds.z == pytest.approx(z, abs=1e-9)


def test_functions_match_direct_formula() -> None:
    for y_i, n_i, y_j, n_j, a, a0 in [(10, 1000, 5, 2000, 1.0, 10.0), (0, 50, 7, 70, 0.3, 4.0)]:
        got = log_odds(y_i, n_i, y_j, n_j, a, a0)
        delta, z = direct(y_i, n_i, y_j, n_j, a, a0)
        assert got.delta == pytest.approx(delta, abs=1e-12)
        assert got.z == pytest.approx(z, abs=1e-12)
    # natural logs: the log10 variant in one public implementation is off by ln 10
    got = log_odds(10, 1000, 5, 2000, 1.0, 10.0)
    log10_delta = math.log10(11 / 999) - math.log10(6 / 2004)
    assert got.delta == pytest.approx(log10_delta * math.log(10), abs=1e-12)
    odds = between(3, 100, 0, 100)
    assert odds is not None and odds.delta > 0
    assert between(0, 100, 0, 100) is None


def test_baseline_is_wordfreq_with_a_floor() -> None:
    baseline = HumanBaseline()
    tokens = list(dict.fromkeys(t for text in real_texts()[:60] for t in tokenize(text)))
    tokens += ["2024", "3.14", "x.com", "zorblax", "autop", "grader's"]
    for token in tokens:
        assert baseline.raw_frequency(token) == wordfreq.word_frequency(token, "en", "large")
        assert baseline.frequency(token) == max(baseline.raw_frequency(token), FLOOR_FREQUENCY)
    assert not baseline.is_listed("zorblax")
    assert baseline.frequency("zorblax") == FLOOR_FREQUENCY


def test_baseline_size_moves_z_not_delta() -> None:
    # A novel word: the baseline side's pseudo-count f·N caps z; δ hardly depends on N.
    small, large = HumanBaseline(size=1e8), HumanBaseline(size=1e10)
    f = FLOOR_FREQUENCY
    lo, hi = vs_baseline(50, 100_000, f, small), vs_baseline(50, 100_000, f, large)
    assert hi.z > lo.z
    assert hi.delta == pytest.approx(lo.delta, abs=1e-3)
    # a common word: the baseline's own noise is negligible at either size
    f = human("the")
    lo, hi = vs_baseline(5000, 100_000, f, small), vs_baseline(5000, 100_000, f, large)
    assert hi.z == pytest.approx(lo.z, rel=1e-3)
