"""The transcript schema: what one ingested record may hold, shipped as JSON Schema.

The pydantic classes below are the source of truth; `transcript.schema.json` next to
this module is generated from them (`cotscope ingest --print-schema`) and a test keeps
the two identical. `docs/transcript-schema.md` explains the fields and how each lands
in the store's `samples` table.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_FILENAME = "transcript.schema.json"
SCHEMA_ID = "https://cotscope.dev/schemas/transcript.schema.json"

ReasoningKind = Literal["text", "summary", "redacted", "think-tags"]
INT32_MAX, INT64_MAX = 2**31 - 1, 2**63 - 1
"""Largest values the store's INTEGER and BIGINT columns hold."""
Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """A tool call made by the assistant."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    id: str | None = None
    """Provider id of the call, matched by the tool message's `tool_call_id`."""

    function: str
    """Name of the called tool."""

    arguments: dict[str, Any] | str | None = None
    """Arguments as an object, or the raw string when they were not valid JSON."""


class Message(BaseModel):
    """One chat message in the normalized form cotscope stores.

    Readers also accept OpenAI (`reasoning_content`, `tool_calls` with `function.name`),
    Anthropic (`thinking`, `redacted_thinking`, `tool_use`, `tool_result` blocks) and
    Inspect (`reasoning` content) messages and convert them to this form.
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    role: Role
    """Who wrote the message (`developer` is read as `system`)."""

    content: str = ""
    """Visible text of the message, with reasoning removed."""

    reasoning: str | None = None
    """Reasoning attached to this message (assistant only), or None."""

    reasoning_kind: ReasoningKind | None = None
    """Where `reasoning` came from: readable `text`, a `summary`, `redacted`, or `think-tags`."""

    tool_calls: list[ToolCall] | None = None
    """Tool calls made by this (assistant) message."""

    tool_call_id: str | None = None
    """For a tool message: the id of the call it answers."""

    function: str | None = None
    """For a tool message: the name of the tool that produced it."""

    error: str | None = None
    """For a tool message: the tool's error, if it failed."""


class TranscriptRecord(BaseModel):
    """One transcript: a model's reasoning and answer on one task, with its labels.

    Give either `messages` (multi-turn, tool calls) or flat `prompt`/`reasoning`/`answer`
    (or both: explicit flat fields win over what is derived from `messages`). Fields not
    named here are kept in `metadata` under their own names.
    """

    model_config = ConfigDict(
        extra="allow",
        use_attribute_docstrings=True,
        title="cotscope transcript",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    id: str | int | None = None
    """Record id, unique per (model_id, suite); it makes re-ingesting idempotent."""

    model_id: str | None = None
    """Model or checkpoint id; default: `--model-id`, else `<model or file stem>[@<step>]`."""

    model: str | None = None
    """Model string (e.g. `openai/o3` or a checkpoint path); default `ingested`."""

    step: int | None = Field(default=None, ge=0, le=INT64_MAX)
    """Training step of the checkpoint that produced the transcript."""

    run: str | int | None = None
    """Training run (or arm, or series) the checkpoint belongs to; one curve per run over
    its steps (a number, e.g. a seed, is read as its text). Default: `--run-id`, else one
    unnamed run."""

    phase: str | None = None
    """Training phase of the checkpoint (e.g. `sft`, `rl`, `safety`); trends and change
    points are also computed within each phase of a run. One per checkpoint. Default:
    `--phase`, else none."""

    suite: str | None = None
    """Task, suite or environment name; default `ingested`."""

    variant: str | None = None
    """Environment variant id; default `p-<first 12 hex of the prompt's SHA-256>`."""

    variant_family: str | None = None
    """Variant family; default: the part of `variant` before `/`, else the suite."""

    epoch: int | None = Field(default=None, ge=0, le=INT32_MAX)
    """Repetition index of this variant for this model; assigned when absent."""

    prompt: str | None = None
    """The task as shown to the model; default: the first user message."""

    reasoning: str | None = None
    """The model's reasoning; default: all assistant reasoning in `messages`."""

    reasoning_kind: ReasoningKind | None = None
    """Where the reasoning came from; `text` when `reasoning` is given without a kind."""

    answer: str | None = None
    """The visible final output; default: the last assistant message's text."""

    messages: list[Message] | None = None
    """The full conversation, for multi-turn and agent transcripts."""

    outcome: str | bool | None = None
    """Outcome label, or a boolean (stored as `true`/`false`); `unlabelled` when absent."""

    error: str | None = None
    """Error message when the transcript ended in a crash (its outcome is then `error`)."""

    labels: dict[str, Any] = Field(default_factory=dict)
    """Ground truth and other labels (e.g. `side_task_done`, `gt_answer`)."""

    metadata: dict[str, Any] = Field(default_factory=dict)
    """Anything else worth keeping."""

    input_tokens: int | None = Field(default=None, ge=0, le=INT32_MAX)
    """Prompt tokens, if known."""

    output_tokens: int | None = Field(default=None, ge=0, le=INT32_MAX)
    """Generated tokens (including reasoning), if known."""

    reasoning_tokens: int | None = Field(default=None, ge=0, le=INT32_MAX)
    """Reasoning tokens, if reported separately."""


FLAT_TARGETS = tuple(
    name for name in TranscriptRecord.model_fields if name not in ("labels", "metadata")
)
"""Targets of `--map target=source` besides `labels.<name>` and `metadata.<name>`."""


def transcript_json_schema() -> dict[str, Any]:
    """The JSON Schema of one transcript record, as generated from the pydantic model."""
    schema = TranscriptRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["anyOf"] = [
        {"required": ["messages"]},
        {"required": ["prompt"]},
        {"required": ["reasoning"]},
        {"required": ["answer"]},
    ]
    return schema


def render_schema() -> str:
    """The shipped schema file's exact text."""
    return json.dumps(transcript_json_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema() -> dict[str, Any]:
    """The JSON Schema file shipped inside the package."""
    text = resources.files("cotscope.ingest").joinpath(SCHEMA_FILENAME).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
