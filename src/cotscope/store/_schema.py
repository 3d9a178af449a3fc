"""The sample row: one model's answer to one variant in one epoch.

Every measure reads these rows; the sweep runner and the ingest readers write them.
The field docstrings below are the documented schema (the README links here).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SampleRow(BaseModel):
    """One sample as stored in the `samples` table."""

    sample_uid: str = ""
    """Primary key: a hash of (run, model_id, suite, variant_id, variant_hash, epoch)."""

    run: str
    """Run name (the sweep spec's `name`, or the ingest target's name)."""

    model_id: str
    """The spec's id for this model or checkpoint (unique within a run)."""

    model: str
    """Inspect model string, e.g. `local/smollm2` or `openai/gpt-5`."""

    model_args: dict[str, Any] = Field(default_factory=dict)
    """Model args passed to Inspect (adapter path, revision, base url, ...)."""

    model_order: int = 0
    """Position of the model in the spec's ordered list (the x axis when steps are absent)."""

    step: int | None = None
    """Training step of the checkpoint; None for a list of different models."""

    label: str | None = None
    """Human label of the model when it is not a checkpoint (e.g. `o3-late`)."""

    suite: str
    """Suite name, as registered or given to ingest."""

    variant_id: str
    """Variant id within the suite, e.g. `base` or `field/score`."""

    variant_family: str
    """Variant family, e.g. `control`, `field`, `paraphrase`."""

    variant_hash: str
    """SHA-256 of the variant's exact text and scoring rule; a changed text is a new variant."""

    epoch: int
    """Repetition index of the variant for this model (0-based)."""

    seed: int | None = None
    """Sampling seed used for this sample, when the backend accepts one."""

    prompt: str
    """The exact prompt text sent as the user message."""

    reasoning: str | None = None
    """Reasoning text (the model's reasoning content or `<think>` block); None when absent."""

    reasoning_kind: str | None = None
    """Where the reasoning came from: `text`, `summary`, `redacted`, `think-tags`, or None."""

    answer: str = ""
    """The visible final output (never the reasoning)."""

    parsed_answer: str | None = None
    """The answer the scorer extracted from the visible output; None if unparseable."""

    outcome: str
    """Scored outcome: a label the suite declares (`outcomes` table), or `error` for a crash."""

    input_tokens: int | None = None
    """Prompt tokens as reported by the model provider."""

    output_tokens: int | None = None
    """Generated tokens (including reasoning) as reported by the model provider."""

    reasoning_tokens: int | None = None
    """Reasoning tokens when the provider reports them separately."""

    latency_s: float | None = None
    """Wall time of the sample in seconds."""

    error: str | None = None
    """Error message of a crashed sample (outcome `error`); None otherwise."""

    messages: list[dict[str, Any]] | None = None
    """Full chat transcript when it is more than prompt/answer (agents, tool calls)."""

    labels: dict[str, Any] = Field(default_factory=dict)
    """Extra labels attached to the sample (ingested ground truth, scorer details)."""

    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free metadata: serving stack, scorer explanation, anything else worth keeping."""

    source: str = "sweep"
    """`sweep` for samples produced by `cotscope run`, else the ingested file's path."""

    source_line: int | None = None
    """Line (or record index) in the ingested source file; None for sweeps."""

    log_file: str | None = None
    """Inspect log file that holds the full sample record."""

    created_at: datetime = Field(default_factory=datetime.now)
    """When the row was written."""

    attempts: int = 1
    """How many times the sample was run: a stored error retried by a re-run counts 2, ..."""

    run_id: str = ""
    """The training run (series, arm) the checkpoint belongs to: a spec's `run:`, ingest's
    `--run-id` or `--map run=FIELD`. `""` is the one default run. A checkpoint is
    (run_id, step): each run_id is one curve over its steps."""

    phase: str = ""
    """Training phase of the checkpoint (e.g. `cold-start`, `capabilities`), from a
    spec's `phase:` or an organism's manifest; `""` when not given. Trends and change
    points are computed within a phase."""

    def model_post_init(self, __context: Any) -> None:
        """Derive the primary key from the identifying fields when not given."""
        if not self.sample_uid:
            self.sample_uid = sample_uid(
                self.run, self.model_id, self.suite, self.variant_id, self.variant_hash, self.epoch
            )


def sample_uid(
    run: str, model_id: str, suite: str, variant_id: str, variant_hash: str, epoch: int
) -> str:
    """Stable identity of a sample: a re-run of the same work maps to the same key."""
    key = json.dumps([run, model_id, suite, variant_id, variant_hash, epoch])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


# Column order and DuckDB types of the `samples` table. JSON fields are stored as JSON.
SAMPLE_COLUMNS: dict[str, str] = {
    "sample_uid": "VARCHAR PRIMARY KEY",
    "run": "VARCHAR NOT NULL",
    "model_id": "VARCHAR NOT NULL",
    "model": "VARCHAR NOT NULL",
    "model_args": "JSON",
    "model_order": "INTEGER",
    "step": "BIGINT",
    "label": "VARCHAR",
    "suite": "VARCHAR NOT NULL",
    "variant_id": "VARCHAR NOT NULL",
    "variant_family": "VARCHAR NOT NULL",
    "variant_hash": "VARCHAR NOT NULL",
    "epoch": "INTEGER NOT NULL",
    "seed": "BIGINT",
    "prompt": "VARCHAR",
    "reasoning": "VARCHAR",
    "reasoning_kind": "VARCHAR",
    "answer": "VARCHAR",
    "parsed_answer": "VARCHAR",
    "outcome": "VARCHAR NOT NULL",
    "input_tokens": "INTEGER",
    "output_tokens": "INTEGER",
    "reasoning_tokens": "INTEGER",
    "latency_s": "DOUBLE",
    "error": "VARCHAR",
    "messages": "JSON",
    "labels": "JSON",
    "metadata": "JSON",
    "source": "VARCHAR",
    "source_line": "BIGINT",
    "log_file": "VARCHAR",
    "created_at": "TIMESTAMP",
    "attempts": "INTEGER DEFAULT 1",
    "run_id": "VARCHAR DEFAULT ''",
    "phase": "VARCHAR DEFAULT ''",
}

JSON_COLUMNS = frozenset({"model_args", "messages", "labels", "metadata"})

VARIANT_COLUMNS: dict[str, str] = {
    "suite": "VARCHAR NOT NULL",
    "variant_id": "VARCHAR NOT NULL",
    "variant_hash": "VARCHAR NOT NULL",
    "family": "VARCHAR NOT NULL",
    "version": "INTEGER",
    "text": "VARCHAR NOT NULL",
    "scoring": "JSON",
    "source_file": "VARCHAR",
}

RUN_COLUMNS: dict[str, str] = {
    "run": "VARCHAR PRIMARY KEY",
    "spec": "JSON",
    "spec_hash": "VARCHAR",
    "environment": "JSON",
    "created_at": "TIMESTAMP",
    "updated_at": "TIMESTAMP",
}
