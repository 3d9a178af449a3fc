"""The transcript bank and the question phrasings, loaded from `data/` (cached).

A variant is one (transcript, phrasing) pair: id `<transcript id>/<phrasing id>`,
family `<eval|deploy>-<chat|agentic>` (the ground truth and the setting, so that
per-family rates are says-eval rates within one truth class). The variant text is
the phrasing with the rendered transcript in place of `{transcript}`; ground
truth, setting, category and the phrasing's answer scale go into `scoring`, so
they are hashed with the text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from .._variant import Variant, VariantFileError

SUITE = "eval_awareness_probe"
DATA_DIR = Path(__file__).parent / "data"
TRANSCRIPT_DIR = DATA_DIR / "transcripts"
PHRASINGS_FILE = DATA_DIR / "phrasings.yaml"
PLACEHOLDER = "{transcript}"
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")

Role = Literal["system", "user", "assistant", "tool_call", "tool_result"]
Scale = Literal["percent", "unit"]


class Turn(BaseModel):
    """One turn of a transcript."""

    role: Role
    """Who speaks: a system prompt, the user, the assistant, a tool call or its result."""
    text: str
    """What was said, or the call's input, or the tool's output."""
    tool: str | None = None
    """Tool name; required for `tool_call` and `tool_result`, absent otherwise."""

    @model_validator(mode="after")
    def _tool_matches_role(self) -> Turn:
        if (self.role in ("tool_call", "tool_result")) != (self.tool is not None):
            raise ValueError("`tool` is required for tool_call/tool_result and only for them")
        if not self.text.strip():
            raise ValueError("empty turn text")
        return self


class Transcript(BaseModel):
    """A short interaction with known provenance: written as an evaluation or as deployment."""

    id: str
    """Stable id, lower-case letters, digits and dashes."""
    is_eval: bool
    """Ground truth: True when the transcript is evaluation-like by design."""
    setting: Literal["chat", "agentic"]
    """Chat (messages only) or agentic (tool calls and results)."""
    category: str
    """What kind of evaluation or deployment it stands for (see data/README.md)."""
    hard: bool = False
    """Written to look like the other class on the surface (a deliberately hard case)."""
    note: str = ""
    """Why the item is labelled as it is, for hard cases."""
    version: int = 1
    """Bumped by hand when the transcript's text is changed on purpose."""
    turns: list[Turn] = Field(min_length=2, max_length=8)
    """The turns, 2 to 8."""
    source_file: str = ""
    """Data file the transcript was read from (set by the loader)."""

    @field_validator("id")
    @classmethod
    def _id_chars(cls, value: str) -> str:
        if not value or not set(value) <= _ID_CHARS:
            raise ValueError(f"id {value!r} must be lower-case letters, digits and dashes")
        return value

    @property
    def family(self) -> str:
        """`eval-chat`, `eval-agentic`, `deploy-chat` or `deploy-agentic`."""
        return f"{'eval' if self.is_eval else 'deploy'}-{self.setting}"


class Phrasing(BaseModel):
    """One wording of the question put to the model about a transcript."""

    id: str
    """Stable id, lower-case letters, digits and dashes."""
    scale: Scale
    """The scale the question asks for: `percent` (0-100%) or `unit` (0-1)."""
    version: int = 1
    """Bumped by hand when the wording is changed on purpose."""
    description: str
    """One line on what this wording varies."""
    text: str
    """The question, with `{transcript}` exactly once where the transcript goes."""

    @field_validator("text")
    @classmethod
    def _one_placeholder(cls, value: str) -> str:
        if value.count(PLACEHOLDER) != 1:
            raise ValueError(f"text must contain {PLACEHOLDER} exactly once")
        return value


_LABELS = {"system": "SYSTEM", "user": "USER", "assistant": "ASSISTANT"}


def render_transcript(transcript: Transcript) -> str:
    """The transcript as the model sees it: one labelled block per turn.

    Args:
        transcript: A bank item.

    Returns:
        Plain text, turns separated by blank lines (part of every variant's hashed text).
    """
    blocks = []
    for turn in transcript.turns:
        if turn.role == "tool_call":
            label = f"ASSISTANT → {turn.tool}"
        elif turn.role == "tool_result":
            label = f"{turn.tool} output"
        else:
            label = _LABELS[turn.role]
        blocks.append(f"[{label}]\n{turn.text.strip()}")
    return "\n\n".join(blocks)


def _read_yaml(path: Path, key: str) -> tuple[dict[str, Any], list[Any]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as ex:
        raise VariantFileError(f"{path}: not valid YAML: {ex}") from ex
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise VariantFileError(f"{path}: expected a mapping with a `{key}:` list")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise VariantFileError(f"{path}: `defaults` must be a mapping")
    return defaults, raw[key]


def _entries(path: Path, key: str) -> list[tuple[str, dict[str, Any]]]:
    defaults, entries = _read_yaml(path, key)
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise VariantFileError(f"{path}: {key}[{i}] is not a mapping")
        out.append((str(entry.get("id", f"#{i}")), {**defaults, **entry}))
    return out


@cache
def load_transcripts() -> tuple[Transcript, ...]:
    """Every transcript of the bank, file by file (sorted names), in file order.

    Raises:
        VariantFileError: naming the file and item when an item is malformed or an id repeats.
    """
    out: list[Transcript] = []
    seen: dict[str, str] = {}
    for path in sorted(TRANSCRIPT_DIR.glob("*.yaml")):
        for ident, data in _entries(path, "transcripts"):
            try:
                item = Transcript.model_validate({**data, "source_file": path.name})
            except ValidationError as ex:
                raise VariantFileError(f"{path}: transcript {ident}: {ex}") from ex
            if item.id in seen:
                raise VariantFileError(
                    f"{path}: transcript id {item.id!r} already in {seen[item.id]}"
                )
            seen[item.id] = path.name
            out.append(item)
    return tuple(out)


@cache
def load_phrasings() -> tuple[Phrasing, ...]:
    """Every phrasing of the question, in file order.

    Raises:
        VariantFileError: naming the file and phrasing when one is malformed or an id repeats.
    """
    out: list[Phrasing] = []
    for ident, data in _entries(PHRASINGS_FILE, "phrasings"):
        try:
            item = Phrasing.model_validate(data)
        except ValidationError as ex:
            raise VariantFileError(f"{PHRASINGS_FILE}: phrasing {ident}: {ex}") from ex
        if item.id in {p.id for p in out}:
            raise VariantFileError(f"{PHRASINGS_FILE}: phrasing id {item.id!r} repeats")
        if not set(item.id) <= _ID_CHARS:
            raise VariantFileError(f"{PHRASINGS_FILE}: phrasing id {item.id!r} is not a slug")
        out.append(item)
    return tuple(out)


def make_variant(transcript: Transcript, phrasing: Phrasing) -> Variant:
    """The variant that asks `phrasing` about `transcript`.

    Its version is the sum of both versions minus one, so bumping either bumps it.
    """
    return Variant(
        suite=SUITE,
        id=f"{transcript.id}/{phrasing.id}",
        family=transcript.family,
        version=transcript.version + phrasing.version - 1,
        text=phrasing.text.replace(PLACEHOLDER, render_transcript(transcript)),
        scoring={
            "is_eval": transcript.is_eval,
            "setting": transcript.setting,
            "category": transcript.category,
            "hard": transcript.hard,
            "transcript": transcript.id,
            "phrasing": phrasing.id,
            "scale": phrasing.scale,
        },
        description=f"{transcript.category} ({'hard case, ' if transcript.hard else ''}"
        f"{transcript.family}) asked as {phrasing.id}",
        source_file=f"transcripts/{transcript.source_file}",
    )


@cache
def _variants() -> tuple[Variant, ...]:
    phrasings = load_phrasings()
    return tuple(make_variant(t, p) for t in load_transcripts() for p in phrasings)


def load_variants() -> list[Variant]:
    """Every (transcript, phrasing) variant, transcript by transcript.

    Returns:
        A fresh list (the parsed files are cached).

    Raises:
        VariantFileError: if a data file is malformed.
    """
    return list(_variants())
