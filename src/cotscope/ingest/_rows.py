"""Validated transcript records become `samples` rows, with a stable identity.

Identity: a record with an `id` is the sample `(run, model_id, suite, id)`; a record
without one is identified by its content hash (and by how many identical records came
before it in the input, so genuine repeats are kept). Re-ingesting the same content
therefore maps to the same `sample_uid` and is a no-op; an `id` that comes back with
different content is an error, never an overwrite.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import mmh3
import msgspec

from cotscope.store import SAMPLE_COLUMNS

from ._errors import RecordError
from ._flat import FlatRecord
from ._messages import combine_kinds, split_think
from ._schema import Message, TranscriptRecord

FIXED_COLUMNS = (
    "run", "model_args", "label", "seed", "parsed_answer", "latency_s", "created_at", "attempts",
)  # fmt: skip
"""Columns with one value for a whole ingest: the insert supplies them (`Constants.fixed`)."""
ROW_COLUMNS = tuple(name for name in SAMPLE_COLUMNS if name not in FIXED_COLUMNS)
"""Columns of the row tuples `RowBuilder.build` returns, in this order."""


def _encode(value: Any) -> str:
    """Compact JSON text (keys in the record's order; unknown types as strings)."""
    return _ENCODE(value).decode()


_ENCODE = msgspec.json.Encoder(enc_hook=str).encode


_SEP = "\x1f"
_NO_SCALARS = (None, None, None, None, None)
_MAX_CACHED_PROMPTS = 4096
DEFAULT_SUITE = "ingested"
DEFAULT_MODEL = "ingested"
UNLABELLED = "unlabelled"

Status = Literal["new", "unchanged", "duplicate"]


@dataclass(frozen=True)
class Constants:
    """Values set for a whole ingest from the command line; they win over the records'."""

    run: str
    model_id: str | None = None
    step: int | None = None
    suite: str | None = None
    run_id: str | None = None
    phase: str | None = None
    created_at: datetime = field(default_factory=datetime.now)

    def fixed(self) -> dict[str, Any]:
        """Values of `FIXED_COLUMNS` for every row of this ingest."""
        values = {
            "run": self.run, "model_args": "{}", "created_at": self.created_at, "attempts": 1,
        }  # fmt: skip
        return {name: values.get(name) for name in FIXED_COLUMNS}


@dataclass
class RecordContext:
    """Where a record came from."""

    source: str
    """Absolute path of the input file."""

    file_index: int
    """Position of the file in this ingest (for compact duplicate bookkeeping)."""

    stem: str
    """File name without suffixes: the default model id."""

    fmt: str
    """Format the record was read as."""

    unit: str = "line"
    """`line` or `record`, for messages."""

    log_file: str | None = None
    """Inspect log path, for records read from one."""


@dataclass
class Known:
    """What the store already holds for this run, loaded once before ingest starts."""

    content: dict[bytes, int] = field(default_factory=dict)
    """sample_uid (as bytes) -> first 64 bits of the content hash, of ingested rows."""

    next_epoch: dict[int, int] = field(default_factory=dict)
    """hash of (model_id, suite, variant_id, variant_hash) -> next free epoch."""

    model_order: dict[str, int] = field(default_factory=dict)
    """model_id -> model_order of models already in the run."""


def _encode_id(rec_id: str | None) -> str:
    return "null" if rec_id is None else _ENCODE(rec_id).decode()


# The content hash is 128-bit MurmurHash3: an identity, not a signature. A transcript is
# kilobytes; SHA-256 of it took a fifth of the time per record, MurmurHash3 is about five
# times faster, and 128 bits keep accidental collisions out of reach. (Only the first 64
# bits are compared against the store.) Hash bytes: mmh3 5.3 crashes on a lone surrogate.
_CONTENT_HASH = mmh3.hash128
_SHA256 = hashlib.sha256


def _surrogate_error(rec: TranscriptRecord | FlatRecord) -> RecordError:
    """Name the field holding an unpaired UTF-16 surrogate (an invalid escape in the JSON)."""
    for name in ("prompt", "reasoning", "answer", "model_id", "model", "suite", "variant", "id"):
        value = getattr(rec, name)
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError:
                return RecordError(_SURROGATE, name)
    return RecordError(_SURROGATE)


_SURROGATE = "text holds an unpaired UTF-16 surrogate (an invalid \\uXXXX escape)"


def derive(rec: TranscriptRecord) -> tuple[str, str | None, str | None, str, str | None]:
    """Flat (prompt, reasoning, reasoning_kind, answer, messages JSON) of a record.

    Explicit flat fields win; missing ones come from `messages`; `<think>` tags in
    assistant text (or in the answer) become reasoning of kind `think-tags`.
    """
    prompt, reasoning, answer = rec.prompt, rec.reasoning, rec.answer
    kind: str | None = rec.reasoning_kind
    messages_json = None
    if rec.messages:
        _split_message_tags(rec.messages)
        if prompt is None:
            prompt = next((m.content for m in rec.messages if m.role == "user"), None)
        assistant = [m for m in rec.messages if m.role == "assistant"]
        if answer is None and assistant:
            answer = assistant[-1].content
        if reasoning is None and kind is None:
            parts = [m for m in assistant if m.reasoning_kind]
            texts = [m.reasoning for m in parts if m.reasoning]
            reasoning = "\n\n".join(texts) if texts else None
            kind = combine_kinds({str(m.reasoning_kind) for m in parts})
        messages_json = _encode([m.model_dump(exclude_none=True) for m in rec.messages])
    # Every think marker starts with `<` (any case): a substring test skips most records.
    if reasoning is None and kind is None and answer and "<" in answer:
        reasoning, answer = split_think(answer)
        kind = "think-tags" if reasoning is not None else None
    if reasoning is not None and kind is None:
        kind = "text"
    return prompt or "", reasoning, kind, answer or "", messages_json


def _split_message_tags(messages: list[Message]) -> None:
    for m in messages:
        if m.role == "assistant" and m.reasoning_kind is None and "<" in m.content:
            text, visible = split_think(m.content)
            if text is not None:
                m.reasoning, m.reasoning_kind, m.content = text, "think-tags", visible


class RowBuilder:
    """Turns records into row tuples and tracks identities."""

    def __init__(self, constants: Constants, known: Known) -> None:
        self.c = constants
        self.known = known
        self._seen: dict[bytes, int] = {}
        self._repeats: dict[int, int] = {}
        self._phases: dict[tuple[str, str], str] = {}
        self._variant_hashes: dict[str, tuple[str, str]] = {}
        self.sources: list[str] = []
        """File names by file index, for messages (appended to by the ingest driver)."""

    def build(
        self, rec: TranscriptRecord | FlatRecord, ctx: RecordContext, line: int
    ) -> tuple[Status, Any]:
        """Row tuple (in `ROW_COLUMNS` order) of a record, or why it adds nothing.

        Returns:
            ("new", row), ("unchanged", None) when the store already holds the same
            content, or ("duplicate", location) for an identical repeat of an id.

        Raises:
            RecordError: for an id repeated with different content, in the input or store.
        """
        try:
            return self._build(rec, ctx, line)
        except UnicodeEncodeError:
            raise _surrogate_error(rec) from None

    def _build(
        self, rec: TranscriptRecord | FlatRecord, ctx: RecordContext, line: int
    ) -> tuple[Status, Any]:
        c = self.c
        if rec.messages:
            prompt, reasoning, kind, answer, messages_json = derive(rec)
        else:  # the common flat record, inlined: this runs once per record
            prompt, reasoning, answer = rec.prompt or "", rec.reasoning, rec.answer or ""
            kind, messages_json = rec.reasoning_kind, None
            if reasoning is None and kind is None and "<" in answer:
                reasoning, answer = split_think(answer)
                kind = None if reasoning is None else "think-tags"
            if reasoning is not None and kind is None:
                kind = "text"
        step = c.step if c.step is not None else rec.step
        run_id = c.run_id if c.run_id is not None else ("" if rec.run is None else str(rec.run))
        phase = c.phase if c.phase is not None else (rec.phase or "")
        model = rec.model or DEFAULT_MODEL
        if c.model_id is not None:
            model_id = c.model_id
        elif rec.model_id:
            model_id = rec.model_id
        else:
            base = rec.model or ctx.stem
            base = f"{run_id}/{base}" if run_id else base
            model_id = base if step is None else f"{base}@{step}"
        suite = c.suite or rec.suite or DEFAULT_SUITE
        hashes = self._variant_hashes.get(prompt)
        if hashes is None:  # rollouts repeat a few prompts many times: hash each once
            if len(self._variant_hashes) >= _MAX_CACHED_PROMPTS:
                self._variant_hashes.clear()
            digest = hashlib.sha256(prompt.encode()).hexdigest()
            hashes = self._variant_hashes[prompt] = (digest, f"p-{digest[:12]}")
        variant_hash = hashes[0]
        variant = rec.variant
        if variant:
            variant_id = variant
            family = rec.variant_family or variant.split("/", 1)[0]
        else:
            variant_id = hashes[1] if prompt else "default"
            family = rec.variant_family or suite
        outcome = rec.outcome
        if outcome is True or outcome is False:
            outcome = "true" if outcome else "false"
        elif not outcome:
            outcome = "error" if rec.error else UNLABELLED
        metadata = rec.metadata
        extra = rec.model_extra
        if extra or "_ingest" in metadata:
            metadata = {**(extra or {}), **metadata}
            if "_ingest" in metadata:
                metadata["previous_ingest"] = metadata.pop("_ingest")
        labels_json = _ENCODE(rec.labels).decode() if rec.labels else "{}"
        meta_json = _ENCODE(metadata).decode() if metadata else "{}"
        epoch_in, error, tokens = rec.epoch, rec.error, rec.input_tokens
        out_tokens, reasoning_tokens = rec.output_tokens, rec.reasoning_tokens
        rest = (epoch_in, error, tokens, out_tokens, reasoning_tokens)
        # the common case, a step alone, without the cost of a tuple's repr
        scalars = str(step) if rest == _NO_SCALARS else repr((step, *rest))
        if phase:  # only when given, so logs ingested before phases keep their hashes
            scalars = f"{scalars}{_SEP}phase={phase}"
        content = _CONTENT_HASH(
            _SEP.join((
                model, scalars, variant_id, family, variant_hash,
                "\x00" if reasoning is None else reasoning, kind or "", answer, outcome,
                messages_json or "", labels_json, meta_json,
            )).encode(),
            signed=False,
        )  # fmt: skip
        content64 = content >> 64
        rec_id = None if rec.id is None else str(rec.id)
        # The unnamed run keeps the key it had before runs were keyed (same uids on re-ingest).
        owner = f"{model_id}{_SEP}{run_id}" if run_id else model_id
        if rec_id is not None:
            key = _SEP.join(("ingest", c.run, owner, suite, "id", rec_id))
        else:
            repeat = self._repeats.get(content, 0)
            self._repeats[content] = repeat + 1
            key = _SEP.join(
                ("ingest", c.run, owner, suite, "content", f"{content:032x}", str(repeat))
            )
        uid = _SHA256(key.encode()).digest()[:16]
        if rec_id is not None:
            seen = self._seen.get(uid)
            if seen is not None:
                where = self._where(seen)
                if seen >> 64 == content64:
                    return "duplicate", where
                raise RecordError(
                    f"duplicate id {rec_id!r} with different content (first seen at {where})",
                    "id",
                )
            self._seen[uid] = (content64 << 64) | (ctx.file_index << 32) | line
        known = self.known
        stored = known.content.get(uid)
        if stored is not None:
            if stored == content64:
                return "unchanged", None
            raise RecordError(
                f"id {rec_id!r} is already in the store with different content; "
                "give changed transcripts new ids or ingest into a new run directory",
                "id",
            )
        group = hash((run_id, model_id, suite, variant_id, variant_hash))
        nxt = known.next_epoch.get(group, 0)
        epoch = epoch_in if epoch_in is not None else nxt
        known.next_epoch[group] = epoch + 1 if epoch >= nxt else nxt
        if phase:
            checkpoint = (run_id, model_id)
            first = self._phases.setdefault(checkpoint, phase)
            if first != phase:
                raise RecordError(
                    f"checkpoint {model_id!r} has phase {phase!r} here but {first!r} in an "
                    "earlier record; a checkpoint belongs to one phase",
                    "phase",
                )
        order = known.model_order.get(model_id)
        if order is None:
            order = max(known.model_order.values(), default=-1) + 1
            known.model_order[model_id] = order
        ingest = (
            f'"_ingest":{{"id":{_encode_id(rec_id)},"content_hash":"{content64:016x}",'
            f'"format":"{ctx.fmt}"}}'
        )
        meta_json = f"{meta_json[:-1]}{',' if len(meta_json) > 2 else ''}{ingest}}}"
        row = (
            uid.hex(), model_id, model, order, step, suite, variant_id, family,
            variant_hash, epoch, prompt, reasoning, kind, answer, outcome, tokens, out_tokens,
            reasoning_tokens, error, messages_json, labels_json, meta_json, ctx.source, line,
            ctx.log_file, run_id, phase,
        )  # fmt: skip
        return "new", row

    def _where(self, packed: int) -> str:
        file_index = (packed >> 32) & 0xFFFFFFFF
        line = packed & 0xFFFFFFFF
        name = self.sources[file_index] if file_index < len(self.sources) else "?"
        return f"{name}:{line}"
