"""Typed reads of samples (and of grades with their samples): filters, groups, checks."""

from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

from cotscope.store import (
    ALL_SAMPLES,
    GradeFilter,
    GradeRow,
    SampleColumn,
    SampleFilter,
    SampleRow,
    Store,
    checkpoints,
    count_samples,
    flagged_samples,
    graded_samples,
    paired_outcome_counts,
    read_samples,
    suite_prompts,
    write_grades,
)
from cotscope.store._schema import SAMPLE_COLUMNS


def _row(**over: object) -> SampleRow:
    data: dict[str, object] = dict(
        run="r", model_id="m0", model="mockllm/model", suite="s", variant_id="v0",
        variant_family="f", variant_hash="h", epoch=0, prompt="p", outcome="yes",
    )  # fmt: skip
    data.update(over)
    return SampleRow.model_validate(data)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    rows = [
        _row(model_id=m, step=step, model_order=order, variant_id=v, epoch=e, outcome=o,
             reasoning=cot, labels={"k": e})
        for m, step, order in (("m0", 0, 0), ("m1", 10, 1))
        for v in ("v0", "v1")
        for e, o, cot in ((0, "yes", "because"), (1, "no", "  "), (2, "Error", None))
    ]  # fmt: skip
    rows.append(_row(suite="t", variant_id="once", variant_hash="x", step=0, outcome="no"))
    rows.append(_row(run="other", model_id="z", step=5))
    with Store(tmp_path) as s:
        s.insert_samples(rows)
    opened = Store(tmp_path, read_only=True)
    yield opened
    opened.close()


def test_sample_columns_name_the_schema() -> None:
    assert set(get_args(SampleColumn)) == set(SAMPLE_COLUMNS)


def test_counts_group_filter_and_sort(store: Store) -> None:
    got = count_samples(store, SampleFilter(run="r", suites=("s",)), ("model_id", "outcome"))
    assert [(c.key, c.n) for c in got] == [
        (("m0", "Error"), 2), (("m0", "no"), 2), (("m0", "yes"), 2),
        (("m1", "Error"), 2), (("m1", "no"), 2), (("m1", "yes"), 2),
    ]  # fmt: skip
    # Outcomes compare case-insensitively, as EXCLUDED_OUTCOMES do everywhere.
    parseable = SampleFilter(run="r", exclude_outcomes=("error",), exclude_suites=("t",))
    assert count_samples(store, parseable, ())[0].n == 8
    assert count_samples(store, SampleFilter(outcomes=("ERROR",)), ())[0].n == 4
    assert count_samples(store, ALL_SAMPLES, ("run",)) == [(("other",), 1), (("r",), 13)]
    assert count_samples(store, SampleFilter(suites=()), ())[0].n == 0
    assert count_samples(store, SampleFilter(run="r", with_reasoning=True), ())[0].n == 4


def test_run_id_reads_as_empty_when_null(store: Store) -> None:
    store.close()
    with Store(store.run_dir) as s:
        s.con.execute("UPDATE samples SET run_id = NULL WHERE run = 'other'")
        got = count_samples(s, SampleFilter(run="other"), ("run_id",))
    assert got == [(("",), 1)]


def test_columns_are_checked_before_they_reach_sql(store: Store) -> None:
    with pytest.raises(ValueError, match="no column 'outcome; DROP TABLE samples'"):
        count_samples(store, ALL_SAMPLES, ("outcome; DROP TABLE samples",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no column 'nope'"):
        read_samples(store, ALL_SAMPLES, ("sample_uid",), order_by=("nope",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no column 'nope'"):
        graded_samples(store, ("nope",), ())
    with pytest.raises(TypeError, match="tuple"):
        SampleFilter(suites="s")


def test_read_samples_parses_json_and_orders(store: Store) -> None:
    where = SampleFilter(run="r", model_ids=("m1",), suites=("s",))
    rows = read_samples(store, where, ("variant_id", "epoch", "labels"), ("variant_id", "epoch"),
                        limit=3)  # fmt: skip
    assert rows == [
        {"variant_id": "v0", "epoch": 0, "labels": {"k": 0}},
        {"variant_id": "v0", "epoch": 1, "labels": {"k": 1}},
        {"variant_id": "v0", "epoch": 2, "labels": {"k": 2}},
    ]
    uid = read_samples(store, where, ("sample_uid",), ("sample_uid",))[0]["sample_uid"]
    assert read_samples(store, SampleFilter(sample_uids=(uid,)), ("model_id",)) == [
        {"model_id": "m1"}
    ]


def test_checkpoints_suite_prompts_and_pairs(store: Store) -> None:
    got = checkpoints(store, "r")
    assert [(c.model_id, c.step, c.last_step, c.model_order, c.samples) for c in got] == [
        ("m0", 0, 0, 0, 7), ("m1", 10, 10, 1, 6),
    ]  # fmt: skip
    assert {c.run for c in checkpoints(store)} == {"r", "other"}
    assert suite_prompts(store, "r") == [("s", 2, 6), ("t", 1, 1)]
    pairs = paired_outcome_counts(store, "r", "m0", "m1", ("error",))
    assert [(p.suite, p.outcome_a, p.outcome_b, p.n) for p in pairs] == [
        ("s", "no", "no", 2), ("s", "yes", "yes", 2),
    ]  # fmt: skip


def _grade(sample_uid: str, positive: bool, judge: str = "j") -> GradeRow:
    return GradeRow(
        sample_uid=sample_uid, run="r", transcript_hash="t", rubric="rub", rubric_version=1,
        rubric_hash="rh", judge=judge, outcome="graded", label="y" if positive else "n",
        positive=positive, scores={"a": 1.0}, evidence=[{"quote": "q"}],
    )  # fmt: skip


def test_grades_join_their_samples(store: Store) -> None:
    assert graded_samples(store, ("label",), ("model_id",)) == []  # never graded
    uids = [r["sample_uid"] for r in read_samples(
        store, SampleFilter(run="r", suites=("s",), outcomes=("yes",)), ("sample_uid",),
        ("model_order", "variant_id"))]  # fmt: skip
    store.close()
    with Store(store.run_dir) as s:
        write_grades(s, [_grade(u, positive=True) for u in uids])
        write_grades(s, [_grade(uids[0], positive=False, judge="other")])
        rows = graded_samples(
            s, ("judge", "scores"), ("model_id", "outcome"), SampleFilter(model_ids=("m1",)),
            GradeFilter(judge="j", positive=True),
        )  # fmt: skip
        assert (
            rows
            == [({"judge": "j", "scores": {"a": 1.0}}, {"model_id": "m1", "outcome": "yes"})] * 2
        )
        flags = flagged_samples(s, "rh", "j", "r", limit=3)
    # In turn per checkpoint: the first flag of m0, of m1, then the second of m0.
    assert [f.sample["model_id"] for f in flags] == ["m0", "m1", "m0"]
    assert flags[0].grade["evidence"] == [{"quote": "q"}]
    assert set(flags[0].sample) == {"model_id", "reasoning", "answer"}
