"""The `interventions` table: one row per continuation of one arm of one edit.

The table is created by `cotscope intervene` before it plans (a run never intervened
on has none), and a store written by an older cotscope gains the newer columns then.
A row's key hashes the sample, the edit's parameters, the arm, the site and the
resample index, so re-running a command skips what is stored and an interrupted run
resumes; each batch is written in one transaction. What the edits are and how a
continuation is generated and scored is the interventions package's business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from ._results import _rollback, has_table

if TYPE_CHECKING:
    from ._store import Store

INTERVENTIONS_TABLE = "interventions"


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
INTERVENTION_COLUMNS: dict[str, str] = {
    name: _TYPES.get(name, "VARCHAR") for name in InterventionRow.model_fields
}
"""The `interventions` table's columns and their DuckDB types, in `InterventionRow` order."""

_JSON = ("params", "labels")


def intervention_row_id(edit_key: str, sample_uid: str, site: int, arm: str, resample: int) -> str:
    """Stable key of one continuation."""
    key = json.dumps([edit_key, sample_uid, site, arm, resample])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def ensure_interventions_table(store: Store) -> None:
    """Create the table if it does not exist, and add the columns an older one lacks."""
    con = store.con
    cols = ",\n  ".join(f"{n} {t}" for n, t in INTERVENTION_COLUMNS.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {INTERVENTIONS_TABLE} (\n  {cols}\n)")
    # Tables written by an older cotscope gain the newer columns (NULL in old rows).
    for name, kind in INTERVENTION_COLUMNS.items():
        if name != "row_id":
            con.execute(f"ALTER TABLE {INTERVENTIONS_TABLE} ADD COLUMN IF NOT EXISTS {name} {kind}")


def has_interventions_table(store: Store) -> bool:
    """Whether the store has an `interventions` table."""
    return has_table(store, INTERVENTIONS_TABLE)


def stored_intervention_ids(store: Store, ids: Sequence[str]) -> set[str]:
    """Which of `ids` (`InterventionRow.row_id`) are already stored."""
    if not ids:
        return set()
    found: set[str] = set()
    for i in range(0, len(ids), 1000):
        chunk = list(ids[i : i + 1000])
        marks = ", ".join("?" for _ in chunk)
        rows = store.con.execute(
            f"SELECT row_id FROM {INTERVENTIONS_TABLE} WHERE row_id IN ({marks})", chunk
        )
        found.update(str(r[0]) for r in rows.fetchall())
    return found


def write_interventions(store: Store, rows: Sequence[InterventionRow]) -> None:
    """Insert a batch in one transaction; rows whose key is stored are skipped."""
    if not rows:
        return
    names = list(INTERVENTION_COLUMNS)
    records = []
    for row in rows:
        data = row.model_dump()
        for name in _JSON:
            data[name] = json.dumps(data[name], sort_keys=True, default=str)
        records.append(tuple(data[n] for n in names))
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany(
            f"INSERT INTO {INTERVENTIONS_TABLE} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT DO NOTHING",
            records,
        )
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


InterventionColumn = Literal[
    "row_id", "run", "sample_uid", "model_id", "suite", "edit_key", "edit_label", "edit",
    "arm", "site", "resample", "prefix", "mark_start", "mark_end", "removed", "continuation",
    "action", "outcome", "reappeared", "reappeared_first", "tries", "similarity",
]  # fmt: skip
"""A column of the `interventions` table that readers ask for."""


def read_interventions(
    store: Store,
    columns: Sequence[InterventionColumn],
    run: str | None = None,
    first_resample_only: bool = False,
    order_by: Sequence[InterventionColumn] = ("edit_key", "sample_uid", "site", "arm", "resample"),
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored continuations, in `order_by` order; none without the table.

    Args:
        store: An open store.
        columns: The columns to read (checked against the table's).
        run: Only this run's; None for every run.
        first_resample_only: Only each arm's first continuation (`resample = 0`).
        order_by: Sort keys, ascending.
        limit: At most this many rows.

    Raises:
        ValueError: a column is not one of the table's.
    """
    if not has_interventions_table(store):
        return []
    unknown = [c for c in (*columns, *order_by) if c not in INTERVENTION_COLUMNS]
    if unknown:
        raise ValueError(f"{INTERVENTIONS_TABLE} has no column {unknown[0]!r}")
    terms, params = ["TRUE"], list[Any]()
    if run:
        terms.append("run = ?")
        params.append(run)
    if first_resample_only:
        terms.append("resample = 0")
    sql = (
        f"SELECT {', '.join(columns)} FROM {INTERVENTIONS_TABLE} WHERE {' AND '.join(terms)} "
        f"ORDER BY {', '.join(order_by)}"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql, params)
