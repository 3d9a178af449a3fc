"""The one phrase rule: boundaries, separators, case, apostrophes, stars, overlaps, speed paths."""

from __future__ import annotations

import random

import pytest

from cotscope.text import PhraseMatcher, compile_phrases, phrase_regex

from ._brute import brute_force, leftmost_longest


def spans(phrases: list[str], text: str) -> list[str]:
    return [text[s.start : s.end] for s in PhraseMatcher(phrases).find(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("test", ["test"]),  # start and end of text
        ("A test.", ["test"]),  # punctuation is a boundary
        ("(test)", ["test"]),
        ('"test",', ["test"]),
        ("test's result", ["test"]),  # so is an apostrophe
        ("tests", []),  # a longer word is no match
        ("attest", []),
        ("test_case", []),  # underscore is a word character
        ("test2", []),  # and so are digits
        ("pre-test", []),  # a hyphenated compound is one word
        ("test-driven", []),
        ("TEST and Test", ["TEST", "Test"]),  # case is ignored
    ],
)
def test_word_boundaries(text: str, found: list[str]) -> None:
    assert spans(["test"], text) == found


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        ("red team", "a red team exercise", ["red team"]),
        ("red team", "a red-team exercise", ["red-team"]),  # hyphen for space
        ("red-team", "a red team exercise", ["red team"]),  # and space for hyphen
        ("red team", "red\n  team", ["red\n  team"]),  # any run of whitespace
        ("red team", "red -- team", ["red -- team"]),
        ("red team", "redteam", []),  # a separator is needed
        ("red team", "red, team", []),  # punctuation is not a separator
        ("being tested", "I am being\ttested.", ["being\ttested"]),
        ("this is a test", "This is a test-case", []),  # end boundary on the last word
    ],
)
def test_multi_word_phrases(phrase: str, text: str, found: list[str]) -> None:
    assert spans([phrase], text) == found


def test_apostrophes_straight_and_typographic() -> None:
    assert spans(["can't"], "I can’t and I can't") == ["can’t", "can't"]
    assert spans(["evaluator"], "the evaluator’s view") == ["evaluator"]
    assert spans(["don"], "don't") == ["don"]  # the apostrophe is a boundary


def test_star_matches_any_word_ending() -> None:
    assert spans(["honest*"], "Honest, honesty, honestly; dishonest") == [
        "Honest",
        "honesty",
        "honestly",
    ]
    assert spans(["special cas*"], "special-casing and special cases") == [
        "special-casing",
        "special cases",
    ]
    assert spans(["hack*"], "hack-proof hacker's") == ["hack-proof", "hacker's"]


def test_overlaps_leftmost_then_longest() -> None:
    phrases = ["reward*", "reward hack*", "hacking", "a test", "this is a test"]
    text = "Reward hacking: this is a test."
    got = PhraseMatcher(phrases).find(text)
    assert [(text[s.start : s.end], s.phrase) for s in got] == [
        ("Reward hacking", "reward hack*"),  # longest at the same start
        ("this is a test", "this is a test"),  # leftmost beats the later "a test"
    ]
    # Leftmost wins even over a longer match that starts later.
    assert spans(["a b", "b c d"], "a b c d") == ["a b"]
    # Equal matches: the earlier phrase in the list.
    assert PhraseMatcher(["red-team", "red team"]).find("red team")[0].phrase == "red-team"


def test_find_all_keeps_overlaps_between_phrases() -> None:
    m = PhraseMatcher(["a test", "this is a test", "test"])
    text = "this is a test"
    got = [(s.start, s.end, s.phrase) for s in m.find_all(text)]
    assert got == [(0, 14, "this is a test"), (8, 14, "a test"), (10, 14, "test")]
    assert m.search(text) is not None and m.search(text).phrase == "this is a test"  # type: ignore[union-attr]
    assert m.search("nothing here") is None


def test_empty_inputs_and_bad_phrases() -> None:
    assert PhraseMatcher([]).find("anything") == []
    assert PhraseMatcher(["x"]).find("") == []
    for bad in ("", "  ", "*", " - "):
        with pytest.raises(ValueError, match="empty term"):
            PhraseMatcher([bad])
    assert phrase_regex("a b").startswith(r"(?<![\w-])")


def test_text_whose_lower_case_changes_length() -> None:
    # "İ".lower() is two characters: offsets must still point into the original text.
    text = "İİ a Test here, İ"
    got = PhraseMatcher(["a test"]).find(text)
    assert [text[s.start : s.end] for s in got] == ["a Test"]
    assert PhraseMatcher(["a test"]).find_all(text)[0].start == 3


def test_compiled_once_per_list() -> None:
    assert compile_phrases(("a", "b")) is compile_phrases(("a", "b"))


WORDS = ["test", "a", "red", "team", "eval", "it's", "is", "this", "being", "tested"]
SEPS = [" ", "-", "  ", ". ", ", ", "\n", "'", "_", "’"]


def test_regexes_equal_a_brute_force_scan_on_random_text() -> None:
    rng = random.Random(7)
    phrases = ["a test", "red team", "red-team", "test*", "this is a test", "it's",
               "being tested", "eval", "team*", "is a"]  # fmt: skip
    m = PhraseMatcher(phrases)
    for _ in range(2000):
        text = "".join(rng.choice(WORDS).upper() if rng.random() < 0.1 else rng.choice(WORDS)
                       + rng.choice(SEPS) for _ in range(rng.randint(0, 12)))  # fmt: skip
        assert [(s.start, s.end, s.phrase) for s in m.find_all(text)] == brute_force(
            text, phrases
        ), text
        assert [(s.start, s.end, s.phrase) for s in m.find(text)] == leftmost_longest(
            text, phrases
        ), text
