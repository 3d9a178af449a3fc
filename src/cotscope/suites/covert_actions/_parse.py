"""Read the fields a covert-actions report gives: numbered answers, `FIELD: value` lines."""

from __future__ import annotations

import re

_NUMBERED = re.compile(r"(?im)^[\s>*#-]*(?:q(?:uestion)?\s*)?(\d+)\s*[:.)=-]\s*\**\(?([a-z]+)\b")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def numbered_answers(text: str, choices: set[str]) -> dict[str, str]:
    """`1: B`-style answers whose token is one of `choices` (lower-cased); the last wins.

    Tokens outside `choices` are ignored, so an echoed question ("1. What is ...")
    is not read as an answer.
    """
    out: dict[str, str] = {}
    for number, token in _NUMBERED.findall(text):
        if token.lower() in choices:
            out[str(int(number))] = token.lower()
    return out


def field_value(text: str, name: str) -> str | None:
    """The value after the last `NAME:` (or `NAME =`) in the text, up to the line end."""
    found = re.findall(rf"(?im){re.escape(name)}\**\s*[:=]\s*\**\s*(.*)$", text)
    values = [v.strip().strip("*`").strip() for v in found]
    return values[-1] if values else None


def fraction(text: str, name: str) -> float | None:
    """A rate from `NAME: 90%`, `NAME: 0.9` or `NAME: 90`; else the first percentage."""
    value = field_value(text, name)
    if value is not None:
        match = re.match(r"(\d+(?:\.\d+)?)\s*(%)?", value)
        if match:
            number = float(match.group(1))
            return number / 100 if match.group(2) or number > 1 else number
    percent = _PERCENT.search(text)
    return float(percent.group(1)) / 100 if percent else None


def item_ids(value: str) -> list[str]:
    """Item numbers in a `DONE:` value (`1, 2 and 5`); `none` gives no items."""
    return [str(int(n)) for n in re.findall(r"\d+", value)]
