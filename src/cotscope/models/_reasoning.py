"""Split a completion's reasoning (`<think>…</think>`) from its visible answer.

Pure string functions: no model, no Inspect types, so they are cheap to test on the
edge cases that real completions produce (unterminated thoughts when the token
budget runs out, a closing marker with no opening one when the chat template puts
the opening marker in the prompt, empty thoughts, several thoughts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_THINK_START = "<think>"
"""Opening reasoning marker used when a model does not configure its own."""

DEFAULT_THINK_END = "</think>"
"""Closing reasoning marker used when a model does not configure its own."""


@dataclass(frozen=True)
class ReasoningSplit:
    """A completion split into reasoning blocks and the visible answer."""

    reasoning: list[str] = field(default_factory=list)
    """Text of each reasoning block in order, markers removed, whitespace stripped.

    Empty blocks (e.g. `<think>\\n\\n</think>` from a model with thinking switched
    off) are dropped."""

    visible: str = ""
    """Everything outside the reasoning blocks, joined and whitespace stripped."""

    unterminated: bool = False
    """True when the last reasoning block was never closed (the answer is then empty)."""

    @property
    def reasoning_text(self) -> str | None:
        """All reasoning blocks joined by blank lines, or None when there are none."""
        return "\n\n".join(self.reasoning) if self.reasoning else None


def split_reasoning(
    text: str,
    start: str | None = DEFAULT_THINK_START,
    end: str | None = DEFAULT_THINK_END,
) -> ReasoningSplit:
    """Split `text` into reasoning blocks and visible answer.

    Rules, applied left to right:

    * `start … end` is a reasoning block; text outside blocks is the visible answer.
    * A `start` that is never closed opens a block that runs to the end of the text
      (a thought cut off by the token limit); the visible answer is what came before.
    * An `end` that appears before any `start` closes a block that began at the
      beginning of the text (templates such as DeepSeek-R1's put `start` in the
      prompt, so the completion opens inside the thought).
    * Any later stray `end` is left in the visible text.

    Args:
        text: The generated text.
        start: Opening marker; None or "" disables splitting.
        end: Closing marker; None or "" disables splitting.

    Returns:
        The split completion. With no markers the whole text is visible.
    """
    if not start or not end:
        return ReasoningSplit(visible=text.strip())

    blocks: list[str] = []
    visible: list[str] = []
    unterminated = False
    pos = 0

    first_start = text.find(start)
    first_end = text.find(end)
    if first_end != -1 and (first_start == -1 or first_end < first_start):
        blocks.append(text[:first_end])
        pos = first_end + len(end)

    while pos <= len(text):
        open_at = text.find(start, pos)
        if open_at == -1:
            visible.append(text[pos:])
            break
        visible.append(text[pos:open_at])
        body_at = open_at + len(start)
        close_at = text.find(end, body_at)
        if close_at == -1:
            blocks.append(text[body_at:])
            unterminated = True
            break
        blocks.append(text[body_at:close_at])
        pos = close_at + len(end)

    return ReasoningSplit(
        reasoning=[b.strip() for b in blocks if b.strip()],
        visible="".join(visible).strip(),
        unterminated=unterminated,
    )


def join_reasoning(
    reasoning: str | None,
    visible: str,
    start: str = DEFAULT_THINK_START,
    end: str = DEFAULT_THINK_END,
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
