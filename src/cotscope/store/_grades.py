"""The `grades` table: one row per sample × rubric × judge, written idempotently.

The table is created by the first write of a grade (`cotscope grade`), so a run that
was never graded has none. A grade's cache key is transcript hash × rubric hash ×
judge key: the graders reuse a grade of the same transcript by the same rubric and
judge. What a grade means (rubrics, judges, prescreens) is the graders' business;
this module holds the row, its columns and every write and read of the table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ._results import _rollback, has_table

if TYPE_CHECKING:
    from ._store import Store

GRADES_TABLE = "grades"

FAILURE_OUTCOMES = ("refusal", "unparseable", "context-overflow", "api-error")
"""Outcomes of a failed grade; counted on their own, never as a "no"."""

GRADE_OUTCOMES = ("graded", "screened-out", *FAILURE_OUTCOMES)
"""`graded` (a label or scores), `screened-out` (prescreen skipped it), or a failure."""


class GradeRow(BaseModel):
    """One grade as stored in the `grades` table."""

    grade_uid: str = ""
    """Primary key: hash of (sample_uid, rubric_hash, judge_key)."""
    sample_uid: str
    """The graded sample (`samples.sample_uid`)."""
    run: str
    """Run of the sample."""
    transcript_hash: str
    """SHA-256 of the text the judge saw (prompt, reasoning, answer)."""
    rubric: str
    """Rubric name."""
    rubric_version: int
    """Rubric version."""
    rubric_hash: str
    """SHA-256 of the rubric file."""
    judge: str
    """Judge key: Inspect model string with its generation config, or `lexical:<name>@<hash>`."""
    method: str = "judge"
    """`judge` or `lexical`."""
    outcome: str
    """One of GRADE_OUTCOMES."""
    label: str | None = None
    """The judge's label (label rubrics), None when failed or a score rubric."""
    positive: bool | None = None
    """Whether the label is the rubric's positive label; None when not graded."""
    scores: dict[str, float] = Field(default_factory=dict)
    """Mean score per scale over chunks (score rubrics)."""
    justification: str | None = None
    """The judge's short justification (joined over chunks)."""
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    """Quotes: `{quote, verified, start, end, chunk}`; start/end index the reasoning."""
    unverified_quotes: int = 0
    """Quotes that do not appear verbatim in the reasoning."""
    chunks: list[dict[str, Any]] = Field(default_factory=list)
    """Per-chunk results: `{start, end, outcome, label, scores, error}`."""
    n_chunks: int = 1
    """Chunks the reasoning was split into."""
    prescreen: str | None = None
    """`candidate`, `audit` or `skipped` when a prescreen chose the sample; else None."""
    error: str | None = None
    """Failure detail (first failed chunk), or None."""
    raw_output: str | None = None
    """The judge's raw output for the first failed chunk (for inspection), else None."""
    cached_from: str | None = None
    """grade_uid of the grade this one reuses (same transcript), or None."""
    input_tokens: int | None = None
    """Judge input tokens over all chunks."""
    output_tokens: int | None = None
    """Judge output tokens over all chunks."""
    created_at: datetime = Field(default_factory=datetime.now)
    """When the grade was written."""

    def model_post_init(self, __context: Any) -> None:
        """Derive the primary key when not given."""
        if not self.grade_uid:
            self.grade_uid = grade_uid(self.sample_uid, self.rubric_hash, self.judge)


def grade_uid(sample_uid: str, rubric_hash: str, judge: str) -> str:
    """Stable identity of a grade."""
    key = json.dumps([sample_uid, rubric_hash, judge])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


GRADE_COLUMNS: dict[str, str] = {
    "grade_uid": "VARCHAR PRIMARY KEY",
    "sample_uid": "VARCHAR NOT NULL",
    "run": "VARCHAR",
    "transcript_hash": "VARCHAR NOT NULL",
    "rubric": "VARCHAR NOT NULL",
    "rubric_version": "INTEGER",
    "rubric_hash": "VARCHAR NOT NULL",
    "judge": "VARCHAR NOT NULL",
    "method": "VARCHAR",
    "outcome": "VARCHAR NOT NULL",
    "label": "VARCHAR",
    "positive": "BOOLEAN",
    "scores": "JSON",
    "justification": "VARCHAR",
    "evidence": "JSON",
    "unverified_quotes": "INTEGER",
    "chunks": "JSON",
    "n_chunks": "INTEGER",
    "prescreen": "VARCHAR",
    "error": "VARCHAR",
    "raw_output": "VARCHAR",
    "cached_from": "VARCHAR",
    "input_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "created_at": "TIMESTAMP",
}
"""The `grades` table's columns and their DuckDB types, in `GradeRow` order."""

_JSON = frozenset({"scores", "evidence", "chunks"})


def ensure_grades_table(store: Store) -> None:
    """Create the `grades` table if the store has none."""
    cols = ",\n  ".join(f"{k} {v}" for k, v in GRADE_COLUMNS.items())
    store.con.execute(f"CREATE TABLE IF NOT EXISTS {GRADES_TABLE} (\n  {cols}\n)")


def has_grades_table(store: Store) -> bool:
    """Whether the store has a `grades` table (a run never graded has none)."""
    return has_table(store, GRADES_TABLE)


def write_grades(store: Store, rows: Sequence[GradeRow]) -> int:
    """Insert or replace grades atomically (a re-grade of the same key overwrites it).

    Creates the table on the first write.

    Args:
        store: The run's store, writable.
        rows: Grades to write.

    Returns:
        Rows written.
    """
    if not rows:
        return 0
    ensure_grades_table(store)
    names = list(GRADE_COLUMNS)
    records = []
    for row in rows:
        data = row.model_dump()
        records.append(
            tuple(json.dumps(data[n], default=str) if n in _JSON else data[n] for n in names)
        )
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != "grade_uid")
    store.con.execute("BEGIN TRANSACTION")
    try:
        store.con.executemany(
            f"INSERT INTO {GRADES_TABLE} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) "
            f"ON CONFLICT (grade_uid) DO UPDATE SET {updates}",
            records,
        )
        store.con.execute("COMMIT")
    except BaseException:
        _rollback(store.con)
        raise
    return len(records)


def read_grades(
    store: Store,
    *,
    rubric: str | None = None,
    rubric_hash: str | None = None,
    judge: str | None = None,
    outcome: str | None = None,
) -> list[GradeRow]:
    """Grades as rows; none when the run was never graded.

    Args:
        store: The run's store.
        rubric: Only grades by this rubric name.
        rubric_hash: Only grades by this version of a rubric (its file's SHA-256).
        judge: Only grades by this judge key.
        outcome: Only grades with this outcome (one of GRADE_OUTCOMES).

    Returns:
        The grades (in no particular order).
    """
    if not has_grades_table(store):
        return []
    conditions: list[str] = []
    values: list[Any] = []
    for column, value in (
        ("rubric", rubric),
        ("rubric_hash", rubric_hash),
        ("judge", judge),
        ("outcome", outcome),
    ):
        if value is not None:
            conditions.append(f"{column} = ?")
            values.append(value)
    sql = f"SELECT * FROM {GRADES_TABLE}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    out = []
    for row in store.query(sql, values):
        for key in _JSON:
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        out.append(GradeRow(**row))
    return out
