"""Markdown handling for answer parsers: erase markup without moving any character.

`clean_markdown` blanks out markdown markup with spaces of the same length, so that
positions found in the cleaned text are positions in the original. `bold_spans`
finds `**…**` and `__…__` spans before the markup is erased. Shared by the answer
parsers of several suites (numbers, option letters, probabilities).
"""

from __future__ import annotations

import re

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__", re.DOTALL)
# Markup erased by `clean_markdown`. `_` inside a word (`_grader`'s tail, `snake_case`)
# stays; a lone `*` is judged by `_is_multiplication`.
_MARKUP = re.compile(
    r"\*\*|__|`+|^[ \t]*#{1,6}(?=\s)|^[ \t]*>|\*|(?<!\w)_|_(?!\w)",
    re.MULTILINE,
)


def clean_markdown(text: str) -> str:
    """Blank out markdown markup, keeping every other character at its position.

    Args:
        text: Visible text.

    Returns:
        A string of the same length with markup characters replaced by spaces.
    """

    def blank(m: re.Match[str]) -> str:
        if m.group(0) == "*" and _is_multiplication(text, m.start()):
            return "*"
        return " " * len(m.group(0))

    return _MARKUP.sub(blank, text)


def _is_multiplication(text: str, i: int) -> bool:
    # "2 * 7" and "2*7" are arithmetic; "*12*" and a "* item" bullet are markup.
    left = text[i - 1] if i > 0 else ""
    right = text[i + 1] if i + 1 < len(text) else ""
    if left.isdigit() and right.isdigit():
        return True
    line_before = text[text.rfind("\n", 0, i) + 1 : i]
    return left.isspace() and right.isspace() and line_before.strip() != ""


def bold_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of the contents of `**bold**` and `__bold__` spans.

    Args:
        text: Visible text, before `clean_markdown`.

    Returns:
        (start, end) of each bold span's inner text, in order.
    """
    spans = []
    for m in _BOLD.finditer(text):
        group = 1 if m.group(1) is not None else 2
        spans.append((m.start(group), m.end(group)))
    return spans
