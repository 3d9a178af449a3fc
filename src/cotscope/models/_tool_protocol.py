"""Tool calling as plain text, for local models whose chat template has none.

When a request carries tools, the system message lists them (name, description,
JSON parameters) and asks for calls in the form

    <tool_call>{"name": "read_file", "arguments": {"path": "notes.txt"}}</tool_call>

`parse_tool_calls` takes such blocks out of the generated text and returns them
as Inspect `ToolCall`s. A block that is not valid JSON, or lacks a name, stays in
the text and is reported in `errors`: a small model's malformed call is
something it said, not a crash. On the next turn, earlier calls are rendered
back into the assistant text in the same format and tool results become user
turns wrapped in `<tool_response>`, so the model sees the protocol it was taught.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ContentReasoning,
)
from inspect_ai.tool import ToolCall, ToolChoice, ToolFunction, ToolInfo

from ._reasoning import join_reasoning

OPEN, CLOSE = "<tool_call>", "</tool_call>"
_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)


@dataclass(frozen=True)
class ParsedCalls:
    """Tool calls found in generated text, and what is left of the text."""

    text: str
    """The text with well-formed call blocks removed (malformed ones kept)."""
    calls: list[ToolCall] = field(default_factory=list)
    """Well-formed calls, in order."""
    errors: list[str] = field(default_factory=list)
    """One message per malformed block."""


def tools_system_prompt(tools: list[ToolInfo], required: str | None = None) -> str:
    """The system text that teaches the call format and lists the tools.

    Args:
        tools: The tools of the request.
        required: Name of a tool the model must call (Inspect `ToolFunction`), if any.

    Returns:
        Text to put at the start of the system message.
    """
    lines = [
        "You can call tools. To call one, write exactly one line of the form",
        f'{OPEN}{{"name": "<tool name>", "arguments": {{<JSON arguments>}}}}{CLOSE}',
        "and then stop; the result comes back in <tool_response> tags.",
        "When you have your final answer, reply without a tool call.",
        "",
        "Tools:",
    ]
    for tool in tools:
        params = tool.parameters.model_dump(exclude_none=True)
        lines.append(
            json.dumps(
                {"name": tool.name, "description": tool.description, "parameters": params},
                ensure_ascii=False,
            )
        )
    if required:
        lines.append(f"\nYou must call the tool {required!r} now.")
    return "\n".join(lines)


def _call_id(index: int, function: str, arguments: dict[str, Any]) -> str:
    # Deterministic ids keep reruns with the same seed byte-identical.
    key = json.dumps([index, function, arguments], sort_keys=True, default=str)
    return f"call_{index}_{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def parse_tool_calls(text: str) -> ParsedCalls:
    """Split generated text into tool calls and the remaining text.

    Args:
        text: Visible generated text (reasoning already removed).

    Returns:
        The calls, the text without them, and an error per malformed block (a
        block cut off by the token limit counts as malformed unless its JSON is
        complete).
    """
    calls: list[ToolCall] = []
    errors: list[str] = []
    kept: list[str] = []
    pos = 0
    for match in _BLOCK.finditer(text):
        body = match.group(1).strip()
        problem = None
        try:
            obj = json.loads(body)
        except json.JSONDecodeError as ex:
            problem = f"tool call is not valid JSON ({ex.msg} at char {ex.pos}): {body[:200]!r}"
        else:
            if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
                problem = f"tool call has no string 'name': {body[:200]!r}"
            elif not isinstance(obj.get("arguments", {}), dict):
                problem = f"tool call 'arguments' is not an object: {body[:200]!r}"
        kept.append(text[pos : match.start()])
        pos = match.end()
        if problem is not None:
            errors.append(problem)
            kept.append(match.group(0))
            continue
        arguments = dict(obj.get("arguments") or {})
        calls.append(
            ToolCall(
                id=_call_id(len(calls), obj["name"], arguments),
                function=obj["name"],
                arguments=arguments,
            )
        )
    kept.append(text[pos:])
    return ParsedCalls(text="".join(kept).strip(), calls=calls, errors=errors)


def render_calls(text: str, calls: list[ToolCall] | None) -> str:
    """An assistant turn's text with its tool calls written back in the protocol."""
    blocks = [
        OPEN
        + json.dumps({"name": c.function, "arguments": c.arguments}, ensure_ascii=False)
        + CLOSE
        for c in calls or []
    ]
    return "\n".join([text, *blocks] if text else blocks)


def render_tool_result(message: ChatMessageTool) -> str:
    """A tool result as the user-turn text the model reads."""
    body = message.text
    if message.error is not None:
        body = f"ERROR: {message.error.message}"
    name = json.dumps(message.function or "")
    return f"<tool_response name={name}>\n{body}\n</tool_response>"


def chat_dicts(
    messages: list[ChatMessage],
    tools: list[ToolInfo],
    tool_choice: ToolChoice,
    think: tuple[str, str],
) -> list[dict[str, str]]:
    """Inspect messages as the `{role, content}` dicts a chat template renders.

    Args:
        messages: The conversation.
        tools: Tools offered; when non-empty (and tool_choice is not `none`) the
            protocol's system text is put first in the system message.
        tool_choice: Inspect's tool choice; a `ToolFunction` names a required tool.
        think: The model's reasoning markers, to write reasoning back in place.

    Returns:
        Dicts with roles system/user/assistant; tool results are user turns, and
        consecutive user turns are merged (templates expect alternation).
    """
    out: list[dict[str, str]] = []
    for m in messages:
        if isinstance(m, ChatMessageAssistant):
            reasoning = "\n\n".join(
                c.reasoning
                for c in (m.content if isinstance(m.content, list) else [])
                if isinstance(c, ContentReasoning)
            )
            text = render_calls(m.text, m.tool_calls)
            item = {"role": "assistant", "content": join_reasoning(reasoning, text, *think)}
        elif isinstance(m, ChatMessageSystem):
            item = {"role": "system", "content": m.text}
        elif isinstance(m, ChatMessageTool):
            item = {"role": "user", "content": render_tool_result(m)}
        else:
            item = {"role": "user", "content": m.text}
        if out and item["role"] == "user" and out[-1]["role"] == "user":
            out[-1]["content"] += "\n\n" + item["content"]
        else:
            out.append(item)
    if tools and tool_choice != "none":
        required = tool_choice.name if isinstance(tool_choice, ToolFunction) else None
        prompt = tools_system_prompt(tools, required)
        if out and out[0]["role"] == "system":
            out[0]["content"] = prompt + "\n\n" + out[0]["content"]
        else:
            out.insert(0, {"role": "system", "content": prompt})
    return out
