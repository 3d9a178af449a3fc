"""The hand-labelled reasoning-organism CoTs, and the lexical detector on them."""

from __future__ import annotations

from importlib import resources

import pytest

from cotscope.graders import load_detector, load_labels, validate_lexical

PATH = resources.files("cotscope.graders").joinpath("labels", "organism_cots.jsonl")


def test_the_set_is_large_enough_and_holds_both_labels() -> None:
    items = load_labels(str(PATH))
    assert len(items) >= 150
    labels = [i.labels["grader-seeking"] for i in items]
    assert 50 <= sum(labels) <= len(labels) - 50
    assert all(i.split == "heldout" for i in items)
    assert len({i.text for i in items}) == len(items)  # distinct traces only


def test_the_detector_keeps_its_measured_precision_and_recall() -> None:
    result = validate_lexical(load_detector("grader-seeking", []), load_labels(str(PATH)))
    # Measured for lexicon v1 (docs/graders.md): precision 0.95, recall 0.877 on this
    # stratified set. A lexicon change that loses either by more than a few traces fails.
    assert result.precision == pytest.approx(0.95, abs=0.04)
    assert result.recall == pytest.approx(0.877, abs=0.05)
