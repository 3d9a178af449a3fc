"""Split reasoning (`<think>…</think>` and the like) from the visible answer.

One splitter for every caller: the model provider (its configured markers), ingest
(`<think>`, `<thinking>`), answer parsers that drop leaked reasoning (also
`<reasoning>`), the judge-output parser and intervention continuations. Callers
differ only in the markers they pass and in how they join the visible parts.

Pure string code, so the edge cases real completions produce are cheap to test:
thoughts cut off by the token budget, a closing marker with no opening one (the
chat template put the opening marker in the prompt), empty thoughts, several.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple


class Markers(NamedTuple):
    """An opening and a closing reasoning marker."""

    open: str
    """Opening marker, e.g. `<think>`."""

    close: str
    """Closing marker, e.g. `</think>`."""


THINK = Markers("<think>", "</think>")
"""DeepSeek-R1, Qwen3 and most open reasoning models."""

THINKING = Markers("<thinking>", "</thinking>")
"""Claude-style tags written into visible text (SHADE-Arena transcripts, prompts asking)."""

REASONING = Markers("<reasoning>", "</reasoning>")
"""Tags some prompts ask for; reasoning when it leaks into an answer to be parsed."""

DEFAULT_MARKERS: tuple[Markers, ...] = (THINK,)
"""Markers used when a caller names none."""

KNOWN_MARKERS: tuple[Markers, ...] = (THINK, THINKING, REASONING)
"""Every marker pair a shipped caller looks for (the answer parsers use all of them)."""


@dataclass(frozen=True)
class ReasoningSplit:
    """A text split into reasoning blocks and the visible text around them."""

    reasoning: list[str] = field(default_factory=list)
    """Text of each reasoning block in order, markers removed, whitespace stripped.

    Empty blocks (e.g. `<think>\\n\\n</think>` from a model with thinking switched
    off) are dropped."""

    visible: str = ""
    """Everything outside the reasoning blocks, joined as is and whitespace stripped."""

    unterminated: bool = False
    """True when the last reasoning block was never closed (it runs to the end of the text)."""

    found: bool = False
    """True when any marker was found (even if every block was empty)."""

    visible_parts: tuple[str, ...] = ()
    """The raw text between blocks, in order, empty pieces included and nothing stripped.

    For callers that must keep the two sides of a removed block apart (joining with a
    space, so that `5<think>…</think>7` does not read as 57)."""

    block_spans: tuple[tuple[int, int], ...] = ()
    """(start, end) offsets in the text of every block's raw body, empty ones included."""

    @property
    def reasoning_text(self) -> str | None:
        """All reasoning blocks joined by blank lines, or None when there are none."""
        return "\n\n".join(self.reasoning) if self.reasoning else None


_Patterns = tuple[re.Pattern[str], ...]
_Compiled = tuple[re.Pattern[str], _Patterns, _Patterns]


@lru_cache(maxsize=64)
def _compiled(markers: tuple[Markers, ...]) -> _Compiled:
    # (any opening marker, each pair's opening marker, each pair's closing marker).
    for pair in markers:
        if not pair.open or not pair.close:
            raise ValueError(f"empty reasoning marker in {pair!r}")
    # Longest first, so that an opening marker that extends another wins where both fit.
    order = sorted(range(len(markers)), key=lambda i: -len(markers[i].open))
    any_open = re.compile(
        "|".join(f"(?P<m{i}>{re.escape(markers[i].open)})" for i in order), re.IGNORECASE
    )
    opens = tuple(re.compile(re.escape(m.open), re.IGNORECASE) for m in markers)
    closes = tuple(re.compile(re.escape(m.close), re.IGNORECASE) for m in markers)
    return any_open, opens, closes


def _inside_block(text: str, at: int, any_open: re.Pattern[str], closes: _Patterns) -> bool:
    # Whether position `at` falls inside a block of the text before it (an unclosed one
    # included), scanning blocks left to right as `split_reasoning` does.
    pos = 0
    while (m := any_open.search(text, pos, at)) is not None:
        end = closes[int((m.lastgroup or "m0")[1:])].search(text, m.end())
        if end is None or end.end() > at:
            return True
        pos = end.end()
    return False


def _leading_close(
    text: str, any_open: re.Pattern[str], opens: _Patterns, closes: _Patterns
) -> re.Match[str] | None:
    # The first closing marker that no opening marker of its own pair precedes and that
    # is not inside another pair's block. Other pairs' blocks before it are part of the
    # thought the prompt opened (a model writing `<reasoning>…</reasoning>` in its
    # thought before `</think>`).
    lead: re.Match[str] | None = None
    for open_, close in zip(opens, closes, strict=True):
        end = close.search(text)
        if end is None or (lead is not None and end.start() >= lead.start()):
            continue
        if open_.search(text, 0, end.start()) is None:
            if not _inside_block(text, end.start(), any_open, closes):
                lead = end
    return lead


def split_reasoning(
    text: str, markers: Sequence[Markers | tuple[str, str]] = DEFAULT_MARKERS, opened: bool = False
) -> ReasoningSplit:
    """Split `text` into reasoning blocks and visible text.

    Case rule: markers match case-insensitively (`<THINK>` is `<think>`), because
    models and hand-written transcripts vary the case and no shipped marker's meaning
    depends on it. Every other rule is applied left to right:

    * `open … close` is a reasoning block; a block opened by one pair's opening
      marker ends at that same pair's closing marker. Text outside blocks is visible.
    * An opening marker inside a block is plain reasoning text (no nesting).
    * An opening marker that is never closed starts a block that runs to the end of
      the text (a thought cut off by the token limit); `unterminated` is set.
    * A closing marker with no opening marker of its own pair before it, and not inside
      another pair's block, closes a block that began at the start of the text
      (templates such as DeepSeek-R1's put the opening marker in the prompt; RL dumps
      such as verl's store the completion from inside the thought). Other pairs'
      blocks before it are part of that thought; with several such closing markers
      (of different pairs), the first one counts.
    * With `opened=True` the text starts inside a block of the first pair, whatever
      follows (a continuation generated after a reasoning prefix).
    * Any later stray closing marker is left in the visible text.

    Args:
        text: The text to split.
        markers: Marker pairs to look for (`DEFAULT_MARKERS`: `<think>`/`</think>`).
            An empty sequence disables splitting: the whole text is visible.
        opened: Whether the text begins inside a reasoning block.

    Returns:
        The split text. With no markers found, the whole text is visible.

    Raises:
        ValueError: A marker is empty.
    """
    pairs = tuple(Markers(*m) for m in markers)
    if not pairs:
        return ReasoningSplit(visible=text.strip(), visible_parts=(text,))
    any_open, opens, closes = _compiled(pairs)
    blocks: list[tuple[int, int]] = []
    visible: list[tuple[int, int]] = []
    unterminated = False

    def close_block(start: int, pair: int) -> int | None:
        # Record the block that starts at `start`; the position after it, None at the end.
        nonlocal unterminated
        end = closes[pair].search(text, start)
        if end is None:
            blocks.append((start, len(text)))
            unterminated = True
            return None
        blocks.append((start, end.start()))
        return end.end()

    next_pos: int | None = 0
    if opened:
        next_pos = close_block(0, 0)
    elif (lead := _leading_close(text, any_open, opens, closes)) is not None:
        blocks.append((0, lead.start()))
        next_pos = lead.end()

    while next_pos is not None:
        pos = next_pos
        m = any_open.search(text, pos)
        if m is None:
            visible.append((pos, len(text)))
            break
        visible.append((pos, m.start()))
        pair = int((m.lastgroup or "m0")[1:])
        next_pos = close_block(m.end(), pair)

    bodies = [text[s:e].strip() for s, e in blocks]
    parts = tuple(text[s:e] for s, e in visible)
    return ReasoningSplit(
        reasoning=[b for b in bodies if b],
        visible="".join(parts).strip(),
        unterminated=unterminated,
        found=bool(blocks),
        visible_parts=parts,
        block_spans=tuple(blocks),
    )


def join_reasoning(
    reasoning: str | None, visible: str, start: str = THINK.open, end: str = THINK.close
) -> str:
    """Inverse of `split_reasoning` for replaying an assistant turn to the model.

    Args:
        reasoning: Reasoning text, or None for none.
        visible: Visible answer.
        start: Opening marker.
        end: Closing marker.

    Returns:
        `start + reasoning + end + visible`, or `visible` alone when there is no
        reasoning.
    """
    if not reasoning:
        return visible
    return f"{start}{reasoning}{end}{visible}"
