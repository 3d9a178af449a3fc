"""Grades read with the samples they grade: the joins the graded measures need.

A graded rate needs the checkpoint and outcome of each graded sample, a flag example
its reasoning; both come from `samples`, joined here on `sample_uid`, so that no
measure writes SQL over `samples`. Column names are checked against both tables'
schemas, and every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ._grades import GRADE_COLUMNS, has_grades_table
from ._queries import ALL_SAMPLES, SampleColumn, SampleFilter, column_sql
from ._schema import JSON_COLUMNS

if TYPE_CHECKING:
    from ._store import Store


@dataclass(frozen=True)
class GradeFilter:
    """Which grades a read covers; None leaves a field unfiltered."""

    method: str | None = None
    """`judge` or `lexical`."""
    outcome: str | None = None
    """Grade outcome, e.g. `graded`."""
    rubric: str | None = None
    """Rubric name."""
    rubric_hash: str | None = None
    """Rubric file hash."""
    judge: str | None = None
    """Judge key."""
    positive: bool | None = None
    """Only grades with (True) or without (False) the rubric's positive label."""

    def to_sql(self, alias: str) -> tuple[str, list[Any]]:
        """The filter as a SQL condition on the grades table `alias`, and its parameters."""
        terms: list[str] = []
        params: list[Any] = []
        for name in ("method", "outcome", "rubric", "rubric_hash", "judge", "positive"):
            value = getattr(self, name)
            if value is not None:
                terms.append(f'{alias}."{name}" = ?')
                params.append(value)
        return " AND ".join(terms) or "TRUE", params


class GradedSample(NamedTuple):
    """One grade (its chosen columns) and the sample it grades (its chosen columns)."""

    grade: dict[str, Any]
    sample: dict[str, Any]


def _grade_column(name: str) -> str:
    if name not in GRADE_COLUMNS:
        raise ValueError(f"grades has no column {name!r}; columns: {', '.join(GRADE_COLUMNS)}")
    return f'g."{name}"'


def _parse(names: Sequence[str], values: Sequence[Any], json_names: Set[str]) -> dict[str, Any]:
    out = dict(zip(names, values, strict=True))
    for name in json_names & set(names):
        if isinstance(out[name], str):
            out[name] = json.loads(out[name]) if out[name] else None
    return out


def _rows(
    store: Store,
    grade_columns: Sequence[str],
    columns: Sequence[SampleColumn],
    where: SampleFilter,
    grades: GradeFilter,
    tail: str = "",
) -> list[GradedSample]:
    g_names, s_names = list(dict.fromkeys(grade_columns)), list(dict.fromkeys(columns))
    select = [_grade_column(c) for c in g_names] + [column_sql(c, "s") for c in s_names]
    if not has_grades_table(store):
        return []
    g_where, g_params = grades.to_sql("g")
    s_where, s_params = where.to_sql("s")
    rows = store.con.execute(
        f"SELECT {', '.join(select)} FROM grades g JOIN samples s USING (sample_uid)"
        f" WHERE {g_where} AND {s_where}{tail}",
        [*g_params, *s_params],
    ).fetchall()
    grade_json = {c for c, kind in GRADE_COLUMNS.items() if kind.startswith("JSON")}
    split = len(g_names)
    return [
        GradedSample(
            _parse(g_names, row[:split], grade_json), _parse(s_names, row[split:], JSON_COLUMNS)
        )
        for row in rows
    ]


def graded_samples(
    store: Store,
    grade_columns: Sequence[str],
    columns: Sequence[SampleColumn],
    where: SampleFilter = ALL_SAMPLES,
    grades: GradeFilter | None = None,
) -> list[GradedSample]:
    """Grades with the samples they grade; empty when the run was never graded.

    For example `graded_samples(store, ("label",), ("model_id",), SampleFilter(run=run),
    GradeFilter(method="judge"))` gives each judge's label with the graded checkpoint.
    A grade whose sample is not in the store is left out. JSON columns of either
    table are parsed.

    Args:
        store: An open store.
        grade_columns: Columns of `grades` to read (`GRADE_COLUMNS`).
        columns: Columns of the graded samples to read.
        where: Which samples' grades.
        grades: Which grades.

    Raises:
        ValueError: a column is not one of its table's.
    """
    return _rows(store, grade_columns, columns, where, grades or GradeFilter())


def flagged_samples(
    store: Store, rubric_hash: str, judge: str, run: str | None, limit: int
) -> list[GradedSample]:
    """Up to `limit` positive grades of a rubric and judge, taken in turn per checkpoint.

    The first flag of each checkpoint (by sample uid) comes first, checkpoints in
    model order, then the second of each, and so on. Each grade has `sample_uid` and
    `evidence`; each sample `model_id`, `reasoning` and `answer`.
    """
    # In turn per checkpoint: a window over the model id, which a Python pass could
    # only do after reading every flagged CoT's text.
    tail = (
        " ORDER BY row_number() OVER (PARTITION BY s.model_id ORDER BY g.sample_uid),"
        f" s.model_order, s.model_id LIMIT {int(limit)}"
    )
    return _rows(
        store, ("sample_uid", "evidence"), ("model_id", "reasoning", "answer"),
        SampleFilter(run=run), GradeFilter(rubric_hash=rubric_hash, judge=judge, positive=True),
        tail,
    )  # fmt: skip
