"""A model's configured reasoning markers, applied with the one splitter of `cotscope.text`.

A model names one marker pair (`think_start`/`think_end`, `<think>`/`</think>` by
default); None or "" switches splitting off for a model without reasoning markers.
The rules themselves (case-insensitive markers, unclosed thoughts, a closing marker
with no opening one, several thoughts) are `cotscope.text.split_reasoning`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from cotscope.text import THINK, ReasoningSplit, join_reasoning
from cotscope.text import split_reasoning as _split

DEFAULT_THINK_START = THINK.open
"""Opening reasoning marker used when a model does not configure its own."""

DEFAULT_THINK_END = THINK.close
"""Closing reasoning marker used when a model does not configure its own."""

__all__ = [
    "DEFAULT_THINK_END",
    "DEFAULT_THINK_START",
    "ReasoningSplit",
    "join_reasoning",
    "split_reasoning",
]


def split_reasoning(
    text: str,
    start: str | None = DEFAULT_THINK_START,
    end: str | None = DEFAULT_THINK_END,
    extra: Sequence[tuple[str, str]] = (),
) -> ReasoningSplit:
    """Split a completion with the model's markers (see `cotscope.text.split_reasoning`).

    Args:
        text: The generated text.
        start: Opening marker; None or "" disables splitting.
        end: Closing marker; None or "" disables splitting.
        extra: Further marker pairs the model writes reasoning in (after the main one).

    Returns:
        The split completion. With no markers the whole text is visible.
    """
    main = [(start, end)] if start and end else []
    return _split(text, [*main, *extra] if main else [])
