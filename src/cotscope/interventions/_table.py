"""The `interventions` table: one row per continuation of one arm of one edit.

Created by this module in the run's DuckDB store, beside `samples` (whose schema
it never touches). A row's key hashes the sample, the edit's parameters, the arm,
the site and the resample index, so re-running a command skips what is stored and
an interrupted run resumes; each batch is written in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

TABLE = "interventions"


class InterventionRow(BaseModel):
    """One continuation as stored in the `interventions` table."""

    row_id: str
    """Primary key: hash of (edit key, sample, site, arm, resample)."""
    run: str
    """Run name of the sample."""
    sample_uid: str
    """The edited transcript (`samples.sample_uid`)."""
    model_id: str
    """Model id of the sample."""
    suite: str
    """Suite of the sample."""
    variant_id: str
    """Variant of the sample."""
    edit: str
    """`remove`, `inject`, `truncate` or `resample-from`."""
    edit_key: str
    """Hash of the edit's parameters: rows with one key form one experiment."""
    edit_label: str
    """Human label of the experiment, e.g. `remove regex:test`."""
    params: dict[str, Any] = Field(default_factory=dict)
    """The edit's parameters (target, text, position, tokens, temperature, hashes)."""
    arm: str
    """`edited`, `base` (unedited, same cut point) or `control`."""
    site: int
    """Sentence index the edit is anchored at."""
    resample: int
    """Resample index; arms share seeds per index, so rows pair across arms."""
    seed: int
    """Seed of the final try."""
    tries: int = 1
    """Tries used (more than one only with `--resilient` after a reappearance)."""
    backend: str
    """`local` or `completions`."""
    backend_model: str
    """Identity of the model that continued (fingerprint or endpoint and name)."""
    prefix: str
    """The (edited) reasoning prefix the continuation followed."""
    prefix_hash: str
    """SHA-256 of the full prompt text sent (template, marker and prefix)."""
    mark_start: int | None = None
    """Start of the highlighted span in `prefix` (inserted or kept target text)."""
    mark_end: int | None = None
    """End of the highlighted span in `prefix`."""
    removed: str | None = None
    """Text the edit removed or cut, when any."""
    continuation: str
    """Generated text."""
    prompt_tokens: int | None = None
    """Prompt length in tokens, when the backend reports it."""
    completion_tokens: int | None = None
    """Generated tokens, when the backend reports them."""
    answer: str
    """Visible answer after the reasoning closed ('' when it never closed)."""
    parsed_answer: str | None = None
    """The answer the suite scorer parsed (`score.answer`)."""
    outcome: str
    """The suite scorer's outcome for `answer` (`error` when the scorer raised)."""
    action: bool | None
    """Whether the outcome is the measured action; None for `unparseable` and `error`."""
    labels: dict[str, Any] = Field(default_factory=dict)
    """The suite scorer's metadata for this continuation."""
    error: str | None = None
    """What the scorer raised, for outcome `error`."""
    reappeared: bool | None = None
    """Removed content detected again in the continuation's reasoning (final try)."""
    reappeared_first: bool | None = None
    """Removed content detected in the first try (the unfiltered reappearance)."""
    similarity: float | None = None
    """Cosine similarity of the continuation's first sentence to the original one."""
    created_at: datetime = Field(default_factory=datetime.now)
    """When the row was written."""


_TYPES = {
    "row_id": "VARCHAR PRIMARY KEY",
    "site": "INTEGER",
    "resample": "INTEGER",
    "seed": "BIGINT",
    "tries": "INTEGER",
    "mark_start": "INTEGER",
    "mark_end": "INTEGER",
    "prompt_tokens": "INTEGER",
    "completion_tokens": "INTEGER",
    "action": "BOOLEAN",
    "reappeared": "BOOLEAN",
    "reappeared_first": "BOOLEAN",
    "similarity": "DOUBLE",
    "params": "JSON",
    "labels": "JSON",
    "created_at": "TIMESTAMP",
}
COLUMNS: dict[str, str] = {
    name: _TYPES.get(name, "VARCHAR") for name in InterventionRow.model_fields
}


def row_id(edit_key: str, sample_uid: str, site: int, arm: str, resample: int) -> str:
    """Stable key of one continuation."""
    key = json.dumps([edit_key, sample_uid, site, arm, resample])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def ensure_table(con: Any) -> None:
    """Create the table if it does not exist."""
    cols = ",\n  ".join(f"{n} {t}" for n, t in COLUMNS.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (\n  {cols}\n)")
    # Tables written by an older cotscope gain the newer columns (NULL in old rows).
    for name, kind in COLUMNS.items():
        if name != "row_id":
            con.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {name} {kind}")


def has_table(con: Any) -> bool:
    """Whether the store has an interventions table."""
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [TABLE]
    ).fetchone()
    return bool(rows and rows[0])


def stored_ids(con: Any, ids: Sequence[str]) -> set[str]:
    """Which of `ids` are already stored."""
    if not ids:
        return set()
    found: set[str] = set()
    for i in range(0, len(ids), 1000):
        chunk = list(ids[i : i + 1000])
        marks = ", ".join("?" for _ in chunk)
        rows = con.execute(f"SELECT row_id FROM {TABLE} WHERE row_id IN ({marks})", chunk)
        found.update(str(r[0]) for r in rows.fetchall())
    return found


def insert_rows(con: Any, rows: Sequence[InterventionRow]) -> None:
    """Insert a batch in one transaction; existing keys are skipped."""
    if not rows:
        return
    names = list(COLUMNS)
    records = []
    for row in rows:
        data = row.model_dump()
        for name in ("params", "labels"):
            data[name] = json.dumps(data[name], sort_keys=True, default=str)
        records.append(tuple(data[n] for n in names))
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany(
            f"INSERT INTO {TABLE} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
            "ON CONFLICT DO NOTHING",
            records,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
