"""Emergence: a planted word is found at its checkpoint and not before; ordinary text is quiet."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import pytest
import wordfreq
from _terms_data import build_store, odd_number_trace, thought_branches

from conftest import PLANT, PLANT_FROM, STEPS
from cotscope.store import Store
from cotscope.terms import TermsOptions, analyse_terms
from cotscope.terms._stats import (
    cochran_armitage_increasing,
    dispersion,
    fisher_greater,
    fisher_two_sided,
    rate_interval,
)


def test_planted_word_found_at_its_checkpoint_and_not_before(planted_run: Path) -> None:
    with Store(planted_run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(kwic=2))
    (suite,) = result.suites
    assert [r.term for r in suite.emergent] == [PLANT]
    report = suite.emergent[0]
    assert report.first_rise_step == STEPS[PLANT_FROM]
    assert report.trend is not None and report.trend.p_holm < 0.05
    assert report.trend.family == "vocabulary"
    assert 0 < report.trend.family_size <= suite.n_candidates  # words in every CoT: untestable
    before = [t for t in report.rise_tests if t.step is not None and t.step < STEPS[PLANT_FROM]]
    assert len(before) == PLANT_FROM - 1
    assert all(t.p_holm >= 0.05 for t in before)
    assert all(row.count == 0 for row in report.checkpoints[:PLANT_FROM])
    assert report.effect_log_odds is not None and report.effect_log_odds > 0
    assert {line.keyword for line in report.kwic} == {PLANT}
    assert all(line.step is not None and line.step >= STEPS[PLANT_FROM] for line in report.kwic)
    # the planted word is also overused against human text, and wordfreq lacks it
    overused = {r.term: r for r in suite.overused}
    assert PLANT in overused and not overused[PLANT].baseline_listed
    # samples without reasoning are counted, not dropped
    assert all(c.n_samples == c.n_cots + 1 for c in suite.checkpoints)


def _ordinary_english(seed: int, n_cots: int, words_per_cot: int) -> list[str]:
    table = wordfreq.get_frequency_dict("en", "large")
    words = list(table)
    cumulative = list(itertools.accumulate(table.values()))
    rng = random.Random(seed)
    return [
        " ".join(rng.choices(words, cum_weights=cumulative, k=words_per_cot)) for _ in range(n_cots)
    ]


def test_ordinary_english_is_neither_emergent_nor_overused(tmp_path: Path) -> None:
    texts = _ordinary_english(7, 6 * 40, 150)
    run = build_store(tmp_path, [(100 * k, texts[40 * k : 40 * (k + 1)]) for k in range(6)])
    with Store(run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(kwic=0))
    (suite,) = result.suites
    assert suite.n_candidates > 300
    assert suite.emergent == [] and suite.rising == []
    assert suite.overused == []


def test_real_transcripts_shuffled_over_checkpoints_show_no_emergence(tmp_path: Path) -> None:
    texts = [r["reasoning_text"] for r in thought_branches()] + [odd_number_trace()]
    texts += [r["base_reasoning_text"] for r in thought_branches()]
    random.Random(3).shuffle(texts)
    quarter = math.ceil(len(texts) / 4)
    run = build_store(tmp_path, [(k, texts[quarter * k : quarter * (k + 1)]) for k in range(4)])
    with Store(run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(kwic=0, min_cots=3))
    (suite,) = result.suites
    assert suite.n_candidates > 500
    assert suite.emergent == [] and suite.rising == []


def test_cochran_armitage_matches_formula() -> None:
    hits, totals = [0, 1, 3, 6], [20, 20, 25, 30]
    z, p = cochran_armitage_increasing(hits, totals) or (0.0, 0.0)
    n, d = sum(totals), sum(hits)
    x_bar = sum(i * t for i, t in enumerate(totals)) / n
    stat = sum(h * (i - x_bar) for i, h in enumerate(hits))
    var = (
        d / n * (1 - d / n) * n / (n - 1) * sum(t * (i - x_bar) ** 2 for i, t in enumerate(totals))
    )
    assert z == pytest.approx(stat / math.sqrt(var), abs=1e-12)
    assert p == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)), abs=1e-15)
    assert cochran_armitage_increasing([0, 0], [10, 10]) is None
    assert cochran_armitage_increasing([3], [10]) is None


def test_fisher_matches_hypergeometric_sum() -> None:
    def pmf(k: int, n1: int, hits: int, total: int) -> float:
        return math.comb(hits, k) * math.comb(total - hits, n1 - k) / math.comb(total, n1)

    for k1, n1, k0, n0 in [(5, 50, 0, 50), (3, 10, 1, 12), (0, 8, 2, 9), (7, 7, 0, 3)]:
        hits, total = k1 + k0, n1 + n0
        expected = sum(pmf(k, n1, hits, total) for k in range(k1, min(hits, n1) + 1))
        assert fisher_greater(k1, n1, k0, n0) == pytest.approx(expected, rel=1e-10)
    assert fisher_two_sided(5, 50, 0, 50) == pytest.approx(2 * fisher_greater(5, 50, 0, 50))
    scipy_stats = pytest.importorskip("scipy.stats")
    res = scipy_stats.fisher_exact([[12, 28], [0, 40]], alternative="greater")
    assert fisher_greater(12, 40, 0, 40) == pytest.approx(res.pvalue, rel=1e-9)


def test_rate_interval_and_dispersion() -> None:
    low, high = rate_interval(0, 2000) or (1.0, 1.0)
    assert low == 0.0 and high == pytest.approx(1.959963984540054**2 / 2000 * 1000)
    low, high = rate_interval(30, 10_000) or (0.0, 0.0)
    for u in (low * 10, high * 10):  # back to expected counts: roots of (Y − u)² = z²u
        assert (30 - u) ** 2 == pytest.approx(1.959963984540054**2 * u, rel=1e-9)
    wide = rate_interval(30, 10_000, phi=4.0) or (0.0, 0.0)
    assert wide[0] < low and wide[1] > high
    assert rate_interval(3, 0) is None
    # φ from per-CoT counts, against its definition
    per_cot = [(0, 100), (9, 120), (1, 80), (0, 200)]
    y = sum(c for c, _ in per_cot)
    n = sum(w for _, w in per_cot)
    rate = y / n
    pearson = sum((c - rate * w) ** 2 / (rate * w) for c, w in per_cot)
    s2 = sum(c * c / w for c, w in per_cot)
    assert dispersion(s2, y, n, len(per_cot)) == pytest.approx(pearson / 3, rel=1e-12)
    assert dispersion(0.0, 0, n, 4) == 1.0
