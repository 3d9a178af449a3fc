"""The common record, decoded at C speed: a flat cotscope transcript in one JSON line.

RL rollout dumps are millions of lines of `id`/`step`/`prompt`/`reasoning`/`answer`/
`outcome`/`labels`. msgspec decodes and type-checks such a line in one pass, about
twice as fast as pydantic. It is strict where pydantic is lax (`"5"` or `5.0` for an
int, unknown fields, `messages`), and whatever it refuses goes to the pydantic path,
which decides and words the error; so a record it accepts holds exactly the values
pydantic would have produced (tests/ingest/test_ingest_flat.py checks both agree).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec

from ._schema import INT32_MAX, INT64_MAX, ReasoningKind

_Count = Annotated[int, msgspec.Meta(ge=0, le=INT32_MAX)]
_Step = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]


class FlatRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """`TranscriptRecord` without `messages` or extra fields, as msgspec decodes it.

    Fields, names and defaults are those of `TranscriptRecord`; see there for their meaning.
    """

    id: str | int | None = None
    model_id: str | None = None
    model: str | None = None
    step: _Step | None = None
    run: str | int | None = None
    phase: str | None = None
    suite: str | None = None
    variant: str | None = None
    variant_family: str | None = None
    epoch: _Count | None = None
    prompt: str | None = None
    reasoning: str | None = None
    reasoning_kind: ReasoningKind | None = None
    answer: str | None = None
    messages: None = None
    outcome: str | bool | None = None
    error: str | None = None
    labels: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    input_tokens: _Count | None = None
    output_tokens: _Count | None = None
    reasoning_tokens: _Count | None = None

    model_extra: ClassVar[None] = None
    """Fields outside the schema, as pydantic names them: never any here."""


_DECODE = msgspec.json.Decoder(FlatRecord).decode


def decode_flat(line: bytes) -> FlatRecord | None:
    """The record on `line`, or None when it is not a plain flat record (or not valid)."""
    try:
        return _DECODE(line)
    except ValueError:  # msgspec.DecodeError (and ValidationError) or bad UTF-8
        return None
