"""Replay a transcript's conversation up to the edited reasoning.

A sample's `reasoning` is its assistant turns' reasoning joined by blank lines
(how `cotscope ingest` builds it), and every edit is planned on that joined text.
An edit diverges from the original at one offset (`EditPlan.cut`), which falls in
one assistant turn. The continuation replays every message before that turn
(system, user, earlier assistant turns with their reasoning and tool calls, tool
results) exactly as cotscope's local provider renders a conversation, opens the
turn's reasoning, and appends the edited prefix's part in that turn. Later turns
are dropped: they answered tool results the continued episode no longer reaches.

Samples without stored messages (single-turn sweeps) replay as one user message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._edits import EditError

if TYPE_CHECKING:
    from inspect_ai.model import ChatMessage


@dataclass(frozen=True)
class Replay:
    """What a continuation is generated from."""

    history: list[ChatMessage]
    """Messages before the continued assistant turn."""
    prefix: str
    """The edited reasoning's part inside the continued turn."""
    earlier: str
    """Reasoning of the earlier assistant turns (joined), which `prefix` follows."""


def _turns(reasoning: str, messages: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, int]]:
    """(message index, start, end) of each assistant turn's reasoning in the joined text."""
    out: list[tuple[int, int, int]] = []
    pos = 0
    for i, m in enumerate(messages):
        text = m.get("reasoning")
        if m.get("role") != "assistant" or not text:
            continue
        at = reasoning.find(text, pos)
        if at == -1:
            raise EditError("the reasoning does not match the messages' reasoning")
        out.append((i, at, at + len(text)))
        pos = at + len(text)
    return out


def inspect_messages(messages: Sequence[Mapping[str, Any]]) -> list[ChatMessage]:
    """Stored (normalized) messages as Inspect messages.

    Args:
        messages: Messages in the transcript schema's normalized form.

    Returns:
        Inspect messages; reasoning becomes a reasoning content block.
    """
    from inspect_ai.model import (
        ChatMessageAssistant,
        ChatMessageSystem,
        ChatMessageTool,
        ChatMessageUser,
        ContentReasoning,
        ContentText,
    )
    from inspect_ai.tool import ToolCall, ToolCallError

    out: list[ChatMessage] = []
    for m in messages:
        role, text = m.get("role"), str(m.get("content") or "")
        if role == "system":
            out.append(ChatMessageSystem(content=text))
        elif role == "assistant":
            calls = [
                ToolCall(
                    id=str(c.get("id") or f"call_{i}"),
                    function=str(c.get("function") or ""),
                    arguments=c["arguments"] if isinstance(c.get("arguments"), dict) else {},
                )
                for i, c in enumerate(m.get("tool_calls") or [])
            ]
            reasoning = m.get("reasoning")
            content: Any = text
            if reasoning:
                content = [ContentReasoning(reasoning=str(reasoning)), ContentText(text=text)]
            out.append(ChatMessageAssistant(content=content, tool_calls=calls or None))
        elif role == "tool":
            error = m.get("error")
            out.append(
                ChatMessageTool(
                    content=text,
                    tool_call_id=m.get("tool_call_id"),
                    function=m.get("function"),
                    error=ToolCallError("unknown", str(error)) if error else None,
                )
            )
        else:
            out.append(ChatMessageUser(content=text))
    return out


def replay(
    prompt: str,
    reasoning: str,
    messages: Sequence[Mapping[str, Any]] | None,
    cut: int,
    prefix: str,
) -> Replay:
    """The history and in-turn prefix of one arm.

    Args:
        prompt: The sample's prompt (used when there are no messages).
        reasoning: The sample's (joined) reasoning, as the edit saw it.
        messages: The stored messages, or None.
        cut: Offset in `reasoning` where the arm diverges from it.
        prefix: The arm's edited reasoning prefix (in joined coordinates).

    Returns:
        The replay.

    Raises:
        EditError: The messages cannot be matched to the reasoning, or the edit
            changes a turn before the one it continues.
    """
    from inspect_ai.model import ChatMessageUser

    if not messages:
        return Replay([ChatMessageUser(content=prompt)], prefix, "")
    turns = _turns(reasoning, messages)
    if not turns:
        raise EditError("the messages hold no assistant reasoning")
    # The cut belongs to the first turn that has not ended before it (a cut in the
    # blank line between two turns opens the later one).
    index, start = next(((i, s) for i, s, e in turns if cut <= e), turns[-1][:2])
    earlier = reasoning[:start].rstrip()
    if not prefix.startswith(earlier):
        raise EditError("the edit changes an earlier assistant turn than the one it continues")
    return Replay(inspect_messages(messages[:index]), prefix[len(earlier) :].lstrip(), earlier)
