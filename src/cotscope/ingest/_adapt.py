"""From a raw record in some format to a dict in the transcript schema's shape.

Formats: `cotscope` (the transcript schema itself, or rows exported from a store),
`openai-chat` and `anthropic` (chat messages, optionally with the provider's response
object), `text` (a whole file), and `map` (any JSON, through `--map target=source`).
`--map` works on top of every JSON format; record fields it does not consume are kept
by their own names, and names outside the schema go to `metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ._errors import IngestUsageError, RecordError
from ._messages import normalize_messages
from ._schema import FLAT_TARGETS, TranscriptRecord

Format = Literal["cotscope", "openai-chat", "anthropic", "inspect", "text", "map"]
FORMATS: tuple[Format, ...] = ("cotscope", "openai-chat", "anthropic", "inspect", "text", "map")

SCHEMA_FIELDS = frozenset(TranscriptRecord.model_fields)
SAMPLE_ONLY = frozenset(
    {"sample_uid", "run", "model_args", "model_order", "label", "variant_id", "variant_hash",
     "seed", "parsed_answer", "latency_s", "source", "source_line", "log_file",
     "created_at"}
)  # fmt: skip
"""Columns of an exported `samples` table that the transcript schema does not have."""
_JSON_TEXT_FIELDS = ("messages", "labels", "metadata")
_CHAT_KEYS = frozenset({"choices", "usage", "system", "request", "response", "content", "role"})


@dataclass(frozen=True)
class FieldMap:
    """Parsed `--map target=source` options."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, specs: Sequence[str]) -> FieldMap:
        """Parse `target=source` strings.

        Raises:
            IngestUsageError: for a malformed spec, an unknown target, or a target given twice.
        """
        pairs: list[tuple[str, str]] = []
        for spec in specs:
            target, sep, source = (part.strip() for part in spec.partition("="))
            if not sep or not target or not source:
                raise IngestUsageError(f"--map {spec!r}: expected target=source")
            head, dot, rest = target.partition(".")
            valid = target in FLAT_TARGETS or (head in ("labels", "metadata") and dot and rest)
            if not valid:
                names = ", ".join(FLAT_TARGETS)
                raise IngestUsageError(
                    f"--map {spec!r}: unknown target {target!r}; targets are {names}, "
                    "labels.<name> and metadata.<name>"
                )
            if any(t == target for t, _ in pairs):
                raise IngestUsageError(f"--map: target {target!r} is mapped twice")
            pairs.append((target, source))
        return cls(tuple(pairs))

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def source_of(self, target: str) -> str | None:
        """The source path mapped onto `target`, if any."""
        return next((s.removesuffix("?") for t, s in self.pairs if t == target), None)


_MISSING = object()


def get_path(obj: Any, path: str) -> Any:
    """Value at a dotted path; numeric segments index lists (`-1` is the last item).

    A key that itself contains dots is found too (`a.b` matches `{"a.b": 1}`).

    Returns `_MISSING` when the path does not exist.
    """
    if isinstance(obj, dict) and path in obj:
        return obj[path]
    value = obj
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list):
            try:
                value = value[int(part)]
            except (ValueError, IndexError):
                return _MISSING
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def adapt(raw: Any, fmt: Format, fmap: FieldMap, keep_extra: bool = True) -> dict[str, Any]:
    """Turn a raw record into a dict shaped like the transcript schema (not yet validated).

    Raises:
        RecordError: naming the field, for a mapped path that is missing or a bad message.
    """
    if isinstance(raw, list) and fmt in ("openai-chat", "anthropic"):
        raw = {"messages": raw}
    if not isinstance(raw, dict):
        raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
    out: dict[str, Any] = {}
    consumed: set[str] = set()
    for target, source in fmap.pairs:
        optional = source.endswith("?")
        source = source.removesuffix("?")
        value = get_path(raw, source)
        if value is _MISSING:
            if optional:
                continue
            raise RecordError(
                f"source path {source!r} not found in the record (write {source}? if optional)",
                target,
            )
        consumed.add(source.split(".", 1)[0])
        head, _, name = target.partition(".")
        if name:
            out.setdefault(head, {})[name] = value
        else:
            out[target] = value
    chat = fmt in ("openai-chat", "anthropic")
    if chat:
        _chat(raw, out, consumed)
    extra: dict[str, Any] = {}
    sample_cols: dict[str, Any] = {}
    # A row exported from a store: its `run` is the store's run, `run_id` the training run.
    exported = fmt == "cotscope" and "sample_uid" in raw
    for key, value in raw.items():
        if key in consumed or (chat and key in _CHAT_KEYS):
            continue
        if exported and key in ("run", "run_id"):
            if key == "run":
                sample_cols[key] = value
            elif value:
                _merge(out, "run", value)
        elif key in SCHEMA_FIELDS:
            _merge(out, key, value)
        elif key in SAMPLE_ONLY and fmt == "cotscope":
            if value is not None:
                sample_cols[key] = value
        elif keep_extra:
            extra[key] = value
    if sample_cols:
        _sample_row(out, sample_cols)
    if extra:
        meta = out.setdefault("metadata", {})
        if isinstance(meta, dict):
            for key, value in extra.items():
                meta.setdefault(key, value)
    if out.get("messages") is not None:
        out["messages"] = normalize_messages(out["messages"])
    return out


def _merge(out: dict[str, Any], key: str, value: Any) -> None:
    if key in _JSON_TEXT_FIELDS and isinstance(value, str):
        try:
            value = json.loads(value)  # JSON columns of Parquet exports arrive as text
        except ValueError as ex:
            raise RecordError(f"text is not valid JSON: {ex}", key) from ex
    current = out.get(key)
    if isinstance(current, dict) and isinstance(value, dict):
        out[key] = {**value, **current}  # mapped entries win
    elif key not in out:
        out[key] = value
    elif key not in ("labels", "metadata") and isinstance(out.setdefault("metadata", {}), dict):
        out["metadata"].setdefault(key, value)  # a mapping replaced it: keep the original


def _sample_row(out: dict[str, Any], cols: dict[str, Any]) -> None:
    if "variant" not in out and "variant_id" in cols:
        out["variant"] = cols.pop("variant_id")
    if "id" not in out and "sample_uid" in cols:
        out["id"] = cols.pop("sample_uid")
    for key in ("model_args",):
        if isinstance(cols.get(key), str):
            try:
                cols[key] = json.loads(cols[key])
            except ValueError:
                pass
    meta = out.setdefault("metadata", {})
    if isinstance(meta, dict):
        meta.setdefault("sample", {k: _plain(v) for k, v in cols.items()})


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | dict | list) else str(value)


def _chat(raw: dict[str, Any], out: dict[str, Any], consumed: set[str]) -> None:
    request: dict[str, Any] = raw["request"] if isinstance(raw.get("request"), dict) else raw
    if isinstance(request.get("body"), dict):
        request = request["body"]
    if "messages" not in out and "messages" not in consumed:
        messages = request.get("messages")
        if messages is not None and not isinstance(messages, list):
            raise RecordError(f"expected a list, got {type(messages).__name__}", "messages")
        messages = list(messages or [])
        system = request.get("system")
        if system and not (messages and _role(messages[0]) == "system"):
            messages.insert(0, {"role": "system", "content": system})
        reply, usage, model = _response(raw)
        if reply is not None:
            messages.append(reply)
        if messages:
            out["messages"] = messages
        if model and "model" not in out and "model" not in raw:
            out["model"] = model
        _usage(usage, out)
    consumed.add("messages")


def _role(message: Any) -> Any:
    return message.get("role") if isinstance(message, dict) else None


def _response(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, Any, Any]:
    """The assistant reply of an OpenAI or Anthropic response object, if the record has one."""
    resp: Any = raw.get("response", raw)
    if isinstance(resp, dict) and isinstance(resp.get("body"), dict):
        resp = resp["body"]
    if not isinstance(resp, dict):
        return None, None, None
    choices = resp.get("choices")
    if isinstance(choices, list) and choices:
        first = choices[0]
        message = first.get("message") if isinstance(first, dict) else None
        if not isinstance(message, dict):
            raise RecordError("expected choices[0].message to be an object", "choices")
        return {"role": "assistant", **message}, resp.get("usage"), resp.get("model")
    if resp.get("type") == "message" and isinstance(resp.get("content"), list):
        reply = {"role": "assistant", "content": resp["content"]}
        return reply, resp.get("usage"), resp.get("model")
    return None, None, None


def _usage(usage: Any, out: dict[str, Any]) -> None:
    if not isinstance(usage, dict):
        return
    inp = usage.get("prompt_tokens", usage.get("input_tokens"))
    outp = usage.get("completion_tokens", usage.get("output_tokens"))
    details = usage.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
    for key, value in (("input_tokens", inp), ("output_tokens", outp)):
        if value is not None:
            out.setdefault(key, value)
    if reasoning is not None:
        out.setdefault("reasoning_tokens", reasoning)


def detect_record_format(raw: Any, fmap: FieldMap) -> Format:
    """Guess a JSON record's format from its keys (used when `--format` is not given)."""
    if isinstance(raw, list):
        return "openai-chat"
    if not isinstance(raw, dict):
        return "map" if fmap else "cotscope"
    if "choices" in raw or isinstance(raw.get("request"), dict):
        return "openai-chat"
    if raw.get("type") == "message" or ("system" in raw and "messages" in raw):
        return "anthropic"
    messages = raw.get("messages")
    if isinstance(messages, list) and any(_has_blocks(m) for m in messages):
        return "anthropic"
    if isinstance(messages, list) and any(
        isinstance(m, dict) and "reasoning_content" in m for m in messages
    ):
        return "openai-chat"
    return "map" if fmap else "cotscope"


def _has_blocks(message: Any) -> bool:
    if not isinstance(message, dict) or not isinstance(message.get("content"), list):
        return False
    return any(
        isinstance(b, dict) and b.get("type") in ("thinking", "redacted_thinking", "tool_use")
        for b in message["content"]
    )


def suggest_mapping(raw: Any) -> str:
    """A hint naming fields that look like a conversation or text, for a record with neither."""
    if not isinstance(raw, dict):
        return ""
    hints = []
    for key, value in raw.items():
        if (
            isinstance(value, list)
            and value
            and all(isinstance(m, dict) and "role" in m for m in value[:5])
        ):
            hints.append(f"--map messages={key}")
    if not hints:
        texts = [k for k, v in raw.items() if isinstance(v, str) and len(v) > 200]
        hints = [f"--map answer={k}" for k in texts[:2]]
    return f" (try {' '.join(hints)})" if hints else ""
