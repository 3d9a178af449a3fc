"""Chat messages from OpenAI, Anthropic, Inspect and agent harnesses, in one normalized form.

`normalize_messages` converts structure (content blocks, tool calls, reasoning fields) to
the schema's `Message` shape, raising a `RecordError` that names the offending element.
`split_think` separates `<think>…</think>` and `<thinking>…</thinking>` reasoning from
visible text with `cotscope.text.split_reasoning`; it runs after validation so that
records already in the normalized form are treated the same way.
"""

from __future__ import annotations

import json
from typing import Any

from cotscope.text import THINK, THINKING, split_reasoning

from ._errors import RecordError

_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "model": "assistant",
    "ai": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
}
_TEXT_BLOCKS = ("text", "output_text", "input_text")
_KIND_PRIORITY = ("text", "think-tags", "summary", "redacted")
# `<reasoning>` is not a marker here: verl dumps and some prompts use it for the answer.
THINK_MARKERS = (THINK, THINKING)
"""Marker pairs split out of visible text at ingest."""


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def combine_kinds(kinds: set[str]) -> str | None:
    """One reasoning kind for several segments: the most readable one present."""
    return next((k for k in _KIND_PRIORITY if k in kinds), None)


def split_think(text: str) -> tuple[str | None, str]:
    """Split `<think>`/`<thinking>` reasoning out of a text (rules: `cotscope.text`).

    Returns:
        (reasoning, visible): reasoning is None when the text holds no think tags, and
        the text is then returned unchanged. An unclosed opening tag makes the rest
        reasoning (a truncated generation); a closing tag without an opening one makes
        everything before it reasoning (chat templates that put `<think>` into the
        prompt, RL dumps that store the completion from inside the thought).
    """
    split = split_reasoning(text, THINK_MARKERS)
    if not split.found:
        return None, text
    return "\n\n".join(split.reasoning), split.visible


def normalize_messages(value: Any, field: str = "messages") -> list[dict[str, Any]]:
    """Convert a list of chat messages in any supported style to the schema's form.

    Raises:
        RecordError: naming the element at fault, e.g. `messages[3].content`.
    """
    if not isinstance(value, list):
        raise RecordError(f"expected a list of messages, got {_type_name(value)}", field)
    out: list[dict[str, Any]] = []
    for i, msg in enumerate(value):
        here = f"{field}[{i}]"
        if not isinstance(msg, dict):
            raise RecordError(f"expected a message object, got {_type_name(msg)}", here)
        out.extend(_message(msg, here))
    return out


def _message(msg: dict[str, Any], here: str) -> list[dict[str, Any]]:
    role_in = msg.get("role")
    if not isinstance(role_in, str) or role_in.lower() not in _ROLES:
        raise RecordError(
            f"unknown role {role_in!r}; expected one of system, user, assistant, tool",
            f"{here}.role",
        )
    role = _ROLES[role_in.lower()]
    texts: list[str] = []
    reasoning: list[tuple[str, str]] = []
    calls: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    _content(msg.get("content"), f"{here}.content", texts, reasoning, calls, results)
    for key in ("reasoning_content", "reasoning", "thinking"):
        extra = msg.get(key)
        if isinstance(extra, str) and extra:
            reasoning.append((extra, msg.get("reasoning_kind") or "text"))
        elif extra is not None and not isinstance(extra, str):
            raise RecordError(f"expected text, got {_type_name(extra)}", f"{here}.{key}")
    if not reasoning and msg.get("reasoning_kind") in _KIND_PRIORITY:
        reasoning.append(("", str(msg["reasoning_kind"])))
    blocks = msg.get("thinking_blocks")
    if blocks:
        _content(blocks, f"{here}.thinking_blocks", [], reasoning, [], [])
    for j, call in enumerate(msg.get("tool_calls") or []):
        calls.append(_tool_call(call, f"{here}.tool_calls[{j}]"))
    out: dict[str, Any] = {"role": role, "content": "\n".join(texts)}
    if reasoning:
        out["reasoning"] = "\n\n".join(text for text, _ in reasoning if text) or None
        out["reasoning_kind"] = combine_kinds({kind for _, kind in reasoning})
    if calls:
        out["tool_calls"] = calls
    if role == "tool":
        out.update(_tool_result_fields(msg, here))
    messages = [out] if (texts or reasoning or calls or not results) else []
    return messages + results


def _content(
    content: Any,
    here: str,
    texts: list[str],
    reasoning: list[tuple[str, str]],
    calls: list[dict[str, Any]],
    results: list[dict[str, Any]],
) -> None:
    if content is None:
        return
    if isinstance(content, str):
        texts.append(content)
        return
    if not isinstance(content, list):
        raise RecordError(
            f"expected text or a list of content blocks, got {_type_name(content)}", here
        )
    for j, block in enumerate(content):
        where = f"{here}[{j}]"
        if isinstance(block, str):
            texts.append(block)
            continue
        if not isinstance(block, dict):
            raise RecordError(f"expected a content block, got {_type_name(block)}", where)
        kind = block.get("type")
        if kind in _TEXT_BLOCKS or (kind is None and "text" in block):
            texts.append(_text(block.get("text"), f"{where}.text"))
        elif kind == "reasoning":
            reasoning.append(_inspect_reasoning(block, where))
        elif kind == "thinking":
            reasoning.append((_text(block.get("thinking"), f"{where}.thinking"), "text"))
        elif kind == "redacted_thinking":
            reasoning.append(("", "redacted"))
        elif kind == "tool_use":
            calls.append(_tool_call(block, where))
        elif kind == "tool_result":
            results.append(_anthropic_tool_result(block, where))
        else:
            texts.append(f"[{kind or 'block'}]")


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"expected text, got {_type_name(value)}", where)
    return value


def _inspect_reasoning(block: dict[str, Any], where: str) -> tuple[str, str]:
    summary = _text(block.get("summary"), f"{where}.summary")
    if block.get("redacted"):
        return (summary, "summary") if summary else ("", "redacted")
    text = _text(block.get("reasoning"), f"{where}.reasoning")
    if text:
        return text, "text"
    return (summary, "summary") if summary else ("", "redacted")


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


def _tool_call(call: Any, where: str) -> dict[str, Any]:
    if not isinstance(call, dict):
        raise RecordError(f"expected a tool call object, got {_type_name(call)}", where)
    fn = call.get("function")
    if isinstance(fn, dict):  # OpenAI: {"function": {"name", "arguments"}}
        name, args = fn.get("name"), _arguments(fn.get("arguments"))
    else:  # Inspect / harnesses: {"function": name, "arguments"|"args"}; Anthropic tool_use
        name = fn if fn is not None else call.get("name")
        args = _arguments(call.get("arguments", call.get("args", call.get("input"))))
    if not isinstance(name, str) or not name:
        raise RecordError("tool call has no function name", where)
    if args is not None and not isinstance(args, dict | str):
        raise RecordError(f"expected arguments object, got {_type_name(args)}", where)
    call_id = call.get("id")
    return {"id": None if call_id is None else str(call_id), "function": name, "arguments": args}


def _error_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return str(value.get("message") or json.dumps(value, ensure_ascii=False))
    return str(value)


def _tool_result_fields(msg: dict[str, Any], here: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    call_id = msg.get("tool_call_id")
    if call_id is not None:
        out["tool_call_id"] = str(call_id)
    name = msg.get("function") or msg.get("name")
    tool_call = msg.get("tool_call")
    if name is None and isinstance(tool_call, dict):
        name = tool_call.get("function")
    if isinstance(name, dict):
        name = name.get("name")
    if name is not None:
        out["function"] = _text(name, f"{here}.function")
    error = _error_text(msg.get("error"))
    if error is not None:
        out["error"] = error
    return out


def _anthropic_tool_result(block: dict[str, Any], where: str) -> dict[str, Any]:
    texts: list[str] = []
    _content(block.get("content"), f"{where}.content", texts, [], [], [])
    out: dict[str, Any] = {"role": "tool", "content": "\n".join(texts)}
    if block.get("tool_use_id") is not None:
        out["tool_call_id"] = str(block["tool_use_id"])
    if block.get("is_error"):
        out["error"] = out["content"] or "tool error"
    return out
