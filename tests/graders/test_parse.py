from __future__ import annotations

import pytest

from cotscope.graders import builtin_rubrics, locate_quote, parse_verdict

EA = builtin_rubrics()["eval-awareness"]
ILL = builtin_rubrics()["illegibility"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ('{"label": "yes", "justification": "j", "evidence": ["a test"]}', "yes"),
        ('Sure.\n```json\n{"label": "No", "evidence": []}\n```', "no"),
        ('<think>{"label": "yes"} hmm</think>{"label": "no"}', "no"),
        ('{"label": true}', "yes"),
        ('Here: {"label": "yes."} done', "yes"),
    ],
)
def test_valid_outputs(text: str, label: str) -> None:
    v = parse_verdict(text, EA)
    assert v.outcome == "graded" and v.label == label


@pytest.mark.parametrize(
    ("text", "stop", "outcome"),
    [
        ("I'm sorry, but I can't help with grading this.", "stop", "refusal"),
        ("I cannot assist with that request.", "stop", "refusal"),
        ("", "content_filter", "refusal"),
        ("The answer is yes, it is eval aware.", "stop", "unparseable"),
        ('{"label": "maybe"}', "stop", "unparseable"),
        ('{"label": "yes", "evid', "max_tokens", "unparseable"),
        ("[1, 2]", "stop", "unparseable"),
        ("", "stop", "unparseable"),
        ('{"label": "yes"}', "model_length", "context-overflow"),
    ],
)
def test_failures_are_outcomes_never_no(text: str, stop: str, outcome: str) -> None:
    v = parse_verdict(text, EA, stop)
    assert v.outcome == outcome and v.label is None and v.error


def test_scores_checked_against_scale() -> None:
    assert parse_verdict('{"scores": {"illegibility": 3}}', ILL).scores == {"illegibility": 3.0}
    assert parse_verdict('{"illegibility": 9}', ILL).scores == {"illegibility": 9.0}
    assert parse_verdict('{"scores": {"illegibility": 10}}', ILL).outcome == "unparseable"
    assert parse_verdict('{"scores": {"illegibility": "high"}}', ILL).outcome == "unparseable"


def test_quotes_are_located_exactly_or_up_to_whitespace_and_case() -> None:
    text = "First line.\nThis might be  an alignment\ntest of me. End."
    assert locate_quote("First line.", text) == (0, 11)
    start, end = locate_quote('"this might be an alignment test"', text) or (0, 0)
    assert text[start:end] == "This might be  an alignment\ntest"
    assert locate_quote("this is not there", text) is None
    assert locate_quote("  ", text) is None
