"""Tracked terms: the versioned default list, user lists, shares and rates with intervals."""

from __future__ import annotations

import hashlib
from importlib.resources import files
from pathlib import Path

import pytest
from _terms_data import build_store

from cotscope.stats import wilson_interval
from cotscope.store import Store
from cotscope.terms import TermsOptions, analyse_terms, load_term_file, parse_user_terms
from cotscope.terms._stats import dispersion, rate_interval


def test_default_list_is_versioned_and_hashed() -> None:
    terms = load_term_file()
    raw = files("cotscope.terms").joinpath("data", "tracked_terms.yaml").read_bytes()
    assert terms.sha256 == hashlib.sha256(raw).hexdigest()
    assert terms.version == 1
    names = [t.term for t in terms.terms]
    science = ["illusions", "watchers", "vantage", "marinade", "disclaim", "overshadow", "parted"]
    assert names[: len(science) + 1] == [*science, "autop"]
    for name in ["reward", "grader", "score", "test", "evaluation", "monitor"]:
        assert name in names
    assert all(t.term in t.forms for t in terms.terms)


def test_user_terms() -> None:
    defaults = load_term_file()
    terms = parse_user_terms("Watchers, autop,hack|hacks|hacking, grader,autop", defaults)
    assert [t.term for t in terms] == ["watchers", "autop", "hack", "grader"]
    assert terms[0].forms == ("watchers", "watcher")
    assert terms[2].forms == ("hack", "hacks", "hacking")
    with pytest.raises(ValueError, match="2 tokens"):
        parse_user_terms("reward hacking", defaults)


def test_terms_file_errors_name_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "terms.yaml"
    bad.write_text("version: 2\nterms:\n  - {term: ok}\n  - {term: two words}\n")
    with pytest.raises(ValueError, match=r"entry 1 \('two words'\)"):
        load_term_file(bad)


COTS_0 = [
    "the grader checks the score",  # grader 1, score 1
    "nothing relevant here at all",
    "graders and a grader and graders",  # grader-term 3 uses in one CoT
    "   ",  # blank reasoning: a sample, not a CoT
    None,
]
COTS_1 = ["grader grader", "the grader", "a grader here", "no", "grader"]


def test_tracked_share_rate_and_intervals(tmp_path: Path) -> None:
    run = build_store(tmp_path, [(0, COTS_0), (10, COTS_1)])
    options = TermsOptions(track=[["grader"], ["score"], ["autop"]], kwic=1)
    with Store(run, read_only=True) as store:
        result = analyse_terms(store, options)
    (suite,) = result.suites
    assert [c.n_samples for c in suite.checkpoints] == [5, 5]
    assert [c.n_cots for c in suite.checkpoints] == [3, 5]
    grader = suite.tracked[0]
    assert grader.forms == ["grader", "graders"]
    first, second = grader.checkpoints
    assert (first.count, first.cots_with_term, first.n_cots) == (4, 2, 3)  # one CoT per CoT
    assert first.share == pytest.approx(2 / 3)
    assert first.share_ci == wilson_interval(2, 3)
    words_0 = 5 + 5 + 6
    assert first.rate_per_1k == pytest.approx(1000 * 4 / words_0)
    per_cot = [(1, 5), (0, 5), (3, 6)]
    s2 = sum(y * y / n for y, n in per_cot)
    phi = dispersion(s2, 4, words_0, 3)
    assert first.dispersion == pytest.approx(phi)
    assert first.rate_ci == rate_interval(4, words_0, phi)
    assert (second.count, second.cots_with_term) == (5, 4)
    assert grader.count == 9 and grader.cots_with_term == 6
    autop = suite.tracked[2]
    assert autop.count == 0 and all(
        r.rate_ci is not None and r.rate_ci[0] == 0 for r in autop.checkpoints
    )
    assert result.provenance.tracked_terms_source == "user"
