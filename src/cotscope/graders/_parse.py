"""Parsing a judge's output and checking its evidence quotes against the reasoning.

The judge is asked for one JSON object. Anything else is a failure with a reason:
a refusal (a declining sentence and no JSON, or a content filter), unparseable
output (no JSON, bad JSON, a label outside the rubric, a score off its scale), or
a context overflow. A failure is never read as the rubric's negative label.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from cotscope.text import split_reasoning

from ._rubric import Rubric

_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)
_REFUSAL = re.compile(
    r"\b(?:I\s+(?:can(?:no|')t|won't|will not|am unable to|'m unable to|must decline)|"
    r"I'm sorry|I am sorry|I apologi[sz]e|not able to (?:help|assist|comply))\b",
    re.IGNORECASE,
)


@dataclass
class ParsedVerdict:
    """A judge's verdict on one chunk, or the reason it failed."""

    outcome: str
    """`graded`, or a failure outcome (`refusal`, `unparseable`, `context-overflow`)."""
    label: str | None = None
    """The rubric label (label rubrics)."""
    scores: dict[str, float] = field(default_factory=dict)
    """Score per scale (score rubrics)."""
    justification: str | None = None
    """The judge's justification."""
    quotes: list[str] = field(default_factory=list)
    """Evidence quotes as the judge gave them."""
    error: str | None = None
    """Why the output failed to parse, when it did."""


def _json_object(text: str) -> Any:
    fenced = _FENCE.search(text)
    if fenced:
        return json.loads(fenced.group(1))
    start = text.find("{")
    while start >= 0:
        try:
            obj, _ = json.JSONDecoder().raw_decode(text[start:])
            return obj
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
    raise ValueError("no JSON object in the output")


def _normal_label(value: Any, rubric: Rubric) -> str | None:
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if not isinstance(value, str):
        return None
    wanted = value.strip().strip(".").lower()
    for label in rubric.labels:
        if label.lower() == wanted:
            return label
    return None


def parse_verdict(text: str, rubric: Rubric, stop_reason: str = "stop") -> ParsedVerdict:
    """Read a judge's output for one chunk.

    Args:
        text: The judge's completion.
        rubric: The rubric it was asked to apply.
        stop_reason: Inspect's stop reason for the generation.

    Returns:
        The verdict, or a failure outcome with the reason in `error`.
    """
    if stop_reason == "model_length":
        return ParsedVerdict("context-overflow", error="judge context window exceeded")
    if stop_reason == "content_filter":
        return ParsedVerdict("refusal", error="judge provider's content filter")
    visible = split_reasoning(text).visible  # a reasoning judge's <think> block
    try:
        obj = _json_object(visible)
    except (ValueError, json.JSONDecodeError) as ex:
        if _REFUSAL.search(visible[:400]):
            return ParsedVerdict("refusal", error="judge declined: " + visible[:200])
        cut = " (output cut at max_tokens)" if stop_reason == "max_tokens" else ""
        return ParsedVerdict("unparseable", error=f"{ex}{cut}")
    if not isinstance(obj, dict):
        return ParsedVerdict("unparseable", error="JSON is not an object")
    quotes_raw = obj.get("evidence") or obj.get("quotes") or []
    if isinstance(quotes_raw, str):
        quotes_raw = [quotes_raw]
    quotes = (
        [q for q in quotes_raw if isinstance(q, str) and q.strip()]
        if isinstance(quotes_raw, list)
        else []
    )
    justification = obj.get("justification") or obj.get("reason")
    verdict = ParsedVerdict(
        "graded",
        justification=str(justification) if justification is not None else None,
        quotes=quotes,
    )
    if rubric.kind == "label":
        label = _normal_label(obj.get("label"), rubric)
        if label is None:
            return ParsedVerdict(
                "unparseable", error=f"label {obj.get('label')!r} not in {rubric.labels}"
            )
        verdict.label = label
        return verdict
    raw_scores = obj.get("scores")
    if not isinstance(raw_scores, dict):
        raw_scores = {k: obj[k] for k in rubric.scales if k in obj}
    for name, scale in rubric.scales.items():
        value = raw_scores.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ParsedVerdict("unparseable", error=f"score {name!r} missing or not a number")
        if not scale.min <= value <= scale.max:
            return ParsedVerdict(
                "unparseable", error=f"score {name}={value} outside {scale.min}..{scale.max}"
            )
        verdict.scores[name] = float(value)
    return verdict


def _normalised(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with whitespace runs collapsed, and each character's source index."""
    chars: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if previous_space:
                continue
            chars.append(" ")
            previous_space = True
        else:
            chars.append(ch.lower())
            previous_space = False
        index.append(i)
    return "".join(chars), index


def locate_quote(quote: str, text: str) -> tuple[int, int] | None:
    """Where a quote appears in the text: exactly, or up to case and whitespace.

    Args:
        quote: The judge's quote (surrounding quotation marks are ignored).
        text: The reasoning.

    Returns:
        (start, end) in `text`, or None when the quote is not there (unverifiable).
    """
    q = quote.strip().strip("\"'“”‘’").strip()
    if not q:
        return None
    at = text.find(q)
    if at >= 0:
        return at, at + len(q)
    norm_text, index = _normalised(text)
    norm_q, _ = _normalised(q)
    at = norm_text.find(norm_q.strip())
    if at < 0:
        return None
    end = at + len(norm_q.strip()) - 1
    return index[at], index[end] + 1
