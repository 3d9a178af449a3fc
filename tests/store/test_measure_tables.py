"""The store's `grades` and `interventions` tables: created on first write, idempotent, exported."""

from pathlib import Path
from typing import Any

import duckdb
import pytest

from cotscope.store import (
    GradeRow,
    InterventionRow,
    Store,
    ensure_interventions_table,
    grade_uid,
    has_grades_table,
    has_interventions_table,
    intervention_row_id,
    read_grades,
    stored_intervention_ids,
    write_grades,
    write_interventions,
)


def _grade(sample_uid: str = "s1", **over: Any) -> GradeRow:
    data: dict[str, Any] = dict(
        sample_uid=sample_uid, run="r", transcript_hash="t", rubric="eval-awareness",
        rubric_version=1, rubric_hash="h", judge="j", outcome="graded", label="yes",
        positive=True, scores={"depth": 2.0}, evidence=[{"quote": "q", "verified": True}],
    )  # fmt: skip
    data.update(over)
    return GradeRow(**data)


def _continuation(resample: int, **over: Any) -> InterventionRow:
    data: dict[str, Any] = dict(
        row_id=intervention_row_id("k", "s1", 2, "edited", resample), run="r", sample_uid="s1",
        model_id="m", suite="s", variant_id="v", edit="remove", edit_key="k",
        edit_label="remove regex:test", params={"where": "regex:test"}, arm="edited", site=2,
        resample=resample, seed=7, backend="local", backend_model="fp", prefix="p",
        prefix_hash="ph", continuation="c", answer="a", outcome="other", action=False,
    )  # fmt: skip
    data.update(over)
    return InterventionRow(**data)


def test_grades_are_created_on_first_write_and_upserted(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        assert not has_grades_table(s) and read_grades(s) == []
        assert write_grades(s, []) == 0 and not has_grades_table(s)
        assert write_grades(s, [_grade("s1"), _grade("s2")]) == 2
        assert has_grades_table(s)
        # A re-grade of the same sample × rubric × judge replaces the stored one.
        write_grades(s, [_grade("s1", label="no", positive=False)])
        got = {g.sample_uid: g for g in read_grades(s)}
    assert len(got) == 2 and got["s1"].label == "no" and got["s2"].label == "yes"
    assert got["s1"].grade_uid == grade_uid("s1", "h", "j")
    assert got["s2"].scores == {"depth": 2.0}
    assert got["s2"].evidence == [{"quote": "q", "verified": True}]


def test_read_grades_filters(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        write_grades(s, [
            _grade("s1"), _grade("s2", judge="k"), _grade("s3", rubric="other", rubric_hash="o"),
            _grade("s4", outcome="refusal", label=None, positive=None),
        ])  # fmt: skip

        def uids(**filters: Any) -> set[str]:
            return {g.sample_uid for g in read_grades(s, **filters)}

        assert uids(rubric_hash="h", judge="j") == {"s1", "s4"}
        assert uids(rubric="eval-awareness", outcome="graded") == {"s1", "s2"}
        assert uids(judge="k") == {"s2"}
        assert uids(rubric_hash="o") == {"s3"}
        assert uids(outcome="graded", judge="j") == {"s1", "s3"}


def test_a_failed_grade_batch_leaves_nothing(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        write_grades(s, [_grade("s1")])
        bad = _grade("s2")
        object.__setattr__(bad, "outcome", None)  # violates NOT NULL mid-batch
        with pytest.raises(duckdb.Error):
            write_grades(s, [_grade("s3"), bad])
        assert {g.sample_uid for g in read_grades(s)} == {"s1"}


def test_interventions_skip_stored_keys(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        assert not has_interventions_table(s)
        ensure_interventions_table(s)
        assert has_interventions_table(s)
        rows = [_continuation(0), _continuation(1)]
        write_interventions(s, rows)
        write_interventions(s, [_continuation(1, continuation="again"), _continuation(2)])
        ids = [intervention_row_id("k", "s1", 2, "edited", r) for r in range(4)]
        assert stored_intervention_ids(s, ids) == set(ids[:3])
        got = s.query("SELECT resample, continuation, params->>'where' AS w FROM interventions")
    assert sorted((r["resample"], r["continuation"]) for r in got) == [
        (0, "c"), (1, "c"), (2, "c")
    ]  # fmt: skip
    assert {r["w"] for r in got} == {"regex:test"}


def test_an_older_interventions_table_gains_new_columns(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        s.con.execute("CREATE TABLE interventions (row_id VARCHAR PRIMARY KEY, run VARCHAR)")
        s.con.execute("INSERT INTO interventions VALUES ('old', 'r')")
        ensure_interventions_table(s)
        write_interventions(s, [_continuation(0)])
        got = s.query("SELECT row_id, similarity FROM interventions ORDER BY row_id = 'old'")
    assert [r["similarity"] for r in got] == [None, None] and got[1]["row_id"] == "old"


def test_export_writes_the_measure_tables(tmp_path: Path) -> None:
    with Store(tmp_path / "run") as s:
        write_grades(s, [_grade("s1")])
        ensure_interventions_table(s)
        write_interventions(s, [_continuation(0)])
        paths = s.export_parquet(tmp_path / "pq")
    names = {p.stem for p in paths}
    assert {"samples", "variants", "runs", "grades", "interventions"} <= names
    for table in ("grades", "interventions"):
        path = tmp_path / "pq" / f"{table}.parquet"
        assert duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall() == [(1,)]
