r"""Sentence segmentation of reasoning text that survives real chains of thought.

Sentences are character spans of the original text, so an edit cuts the stored
reasoning exactly and the report can highlight what changed. The rules, in order:

* A fenced code block (```` ``` ````) or a display equation (`$$ … $$`, `\[ … \]`)
  is one unit, whatever punctuation it holds.
* Line breaks end a unit: every list item, heading and line of a derivation is
  its own sentence (a line's own prose is split further).
* Inside a line, a sentence ends at `.`, `!` or `?` (with closing quotes or
  brackets) followed by whitespace, unless the word before the stop is a known
  abbreviation (`e.g.`, `Dr.`), a single letter (`U.S.`), or the stop is a list
  number (`1.`); decimals (`3.14`) never match because no whitespace follows.
* Text without punctuation is cut at word boundaries into chunks of at most
  `max_words` words, so a CoT written as one long run still has anchors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 60
"""Longest unit, in words, before an unpunctuated run is cut at a word boundary."""

_BLOCKS = re.compile(r"```.*?(?:```|\Z)|\$\$.*?(?:\$\$|\Z)|\\\[.*?(?:\\\]|\Z)", re.DOTALL)
_STOP = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs cf dr mr mrs ms prof st no fig eq approx resp al sec ch".split()
)
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")


@dataclass(frozen=True)
class Sentence:
    """One unit of reasoning, as a span of the segmented text."""

    index: int
    """Position among the text's sentences (0-based)."""
    start: int
    """First character in the text."""
    end: int
    """One past the last character (trailing whitespace excluded)."""
    text: str
    """`text[start:end]`."""


def segment(text: str, max_words: int = MAX_WORDS) -> list[Sentence]:
    """Split reasoning into sentences (see the module docstring for the rules).

    Args:
        text: Reasoning text.
        max_words: Longest unpunctuated unit, in words.

    Returns:
        Sentences in order; their spans cover every non-space character once.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for block in _BLOCKS.finditer(text):
        spans.extend(_lines(text, pos, block.start(), max_words))
        spans.append((block.start(), block.end()))
        pos = block.end()
    spans.extend(_lines(text, pos, len(text), max_words))
    out: list[Sentence] = []
    for start, end in spans:
        start, end = _trim(text, start, end)
        if start < end:
            out.append(Sentence(len(out), start, end, text[start:end]))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _lines(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline == -1 else newline
        spans.extend(_prose(text, pos, line_end, max_words))
        pos = line_end + 1
    return spans


def _prose(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for stop in _STOP.finditer(text, start, end):
        if not _is_boundary(text, pos, stop.start()):
            continue
        spans.extend(_chunks(text, pos, stop.end(), max_words))
        pos = stop.end()
    spans.extend(_chunks(text, pos, end, max_words))
    return spans


def _is_boundary(text: str, sentence_start: int, stop_at: int) -> bool:
    before = text[sentence_start:stop_at].rstrip()
    if not before.strip():
        return False
    if text[stop_at] != ".":
        return True
    word = _WORD_BEFORE.search(before)
    if word is None:
        # "1." at the start of a line is a list number; "x = 4." ends a sentence.
        return not re.fullmatch(r"\s*[(\[]?\d{1,3}", before)
    token = word.group(1).lower().rstrip(".")
    return not (token in _ABBREVIATIONS or "." in token or (len(token) == 1 and token.isalpha()))


def _chunks(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) <= max_words:
        return [(start, end)]
    spans = []
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        spans.append((start + group[0].start(), start + group[-1].end()))
    return spans
