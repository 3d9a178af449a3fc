"""Bad input: every case gets a clear message with file, line and field, and loses nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ingest_helpers import rows, run, snapshot, write_jsonl

from cotscope.ingest import IngestAborted

GOOD = {"id": "g1", "prompt": "Pick a number.", "answer": "7"}
GOOD2 = {"id": "g2", "prompt": "Pick a number.", "answer": "8"}

# (name, file content, expected message fragment, field, line) for one bad line between two good.
BAD_LINES: list[tuple[str, bytes, str, str | None, int | None]] = [
    ("truncated", b'{"id": "x", "prompt": "Pick', "truncated JSON", None, 2),
    ("not-json", b"id=x prompt=y", "invalid JSON", None, 2),
    ("invalid-utf8", b'{"id": "x", "prompt": "caf\xe9"}', "invalid UTF-8 at byte 26", None, 2),
    ("wrong-type-step", b'{"id": "x", "prompt": "p", "step": "late"}', "valid integer", "step", 2),
    ("wrong-type-prompt", b'{"id": "x", "prompt": 12}', "valid string", "prompt", 2),
    ("wrong-type-labels", b'{"id": "x", "prompt": "p", "labels": [1]}', "valid dictionary",
     "labels", 2),
    ("wrong-outcome", b'{"id": "x", "prompt": "p", "outcome": {"a": 1}}',
     "Input should be a valid string or a valid boolean, got {'a': 1}", "outcome", 2),
    ("bad-message", b'{"id": "x", "messages": [{"role": "robot", "content": "hi"}]}',
     "unknown role", "messages[0].role", 2),
    ("no-content", b'{"id": "x", "step": 3}', "no transcript", "messages", 2),
    ("array-line", b"[1, 2]", "expected a JSON object", None, 2),
    ("surrogate", b'{"id": "x", "prompt": "a\\ud800b"}', "unpaired UTF-16 surrogate", "prompt", 2),
]  # fmt: skip


def _file(tmp_path: Path, bad: bytes) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + bad + b"\n" + json.dumps(GOOD2).encode())
    return path


@pytest.mark.parametrize(
    ("name", "bad", "message", "field", "line"), BAD_LINES, ids=[b[0] for b in BAD_LINES]
)
def test_bad_record_fail_leaves_store_untouched(
    tmp_path: Path,
    populated: Callable[[], Path],
    name: str,
    bad: bytes,
    message: str,
    field: str | None,
    line: int,
) -> None:
    out = populated()
    before = snapshot(out)
    src = _file(tmp_path, bad)
    with pytest.raises(IngestAborted) as err:
        run([src], out)
    problem = err.value.problem
    assert (problem.source, problem.line, problem.field) == (str(src), line, field)
    assert message in problem.message, problem.message
    assert str(problem).startswith(f"{src}:line {line}: ")
    assert snapshot(out) == before  # same bytes on disk, same rows


@pytest.mark.parametrize(
    ("name", "bad", "message", "field", "line"), BAD_LINES, ids=[b[0] for b in BAD_LINES]
)
def test_bad_record_skip_writes_a_reject(
    tmp_path: Path, name: str, bad: bytes, message: str, field: str | None, line: int
) -> None:
    out = tmp_path / "out"
    result = run([_file(tmp_path, bad)], out, on_error="skip")
    assert (result.total("added"), result.total("rejected")) == (2, 1)
    assert result.rejects_path == out / "ingest-rejects.jsonl"
    (reject,) = [json.loads(x) for x in result.rejects_path.read_text().splitlines()]
    assert reject["line"] == line and reject["field"] == field and message in reject["error"]
    assert reject["record"] == bad.decode("utf-8", "replace")
    assert [r["answer"] for r in rows(out)] == ["7", "8"]


FILE_CASES: list[tuple[str, bytes, str]] = [
    ("empty.jsonl", b"", "empty file: no records"),
    ("blank.jsonl", b"\n  \n\t\n", "only whitespace"),
    ("binary.jsonl", os.urandom(64) + b"\x00\x01\x02" + os.urandom(64), "binary file (NUL byte"),
    ("utf16.jsonl", '{"prompt": "p"}'.encode("utf-16"), "UTF-16"),
    ("empty-array.json", b"[]", "no records in file"),
    ("fake.parquet", b"not parquet at all", "not a Parquet file"),
    ("fake.eval", b"not a zip", "not an Inspect .eval log"),
]


@pytest.mark.parametrize(("name", "content", "message"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_files(
    tmp_path: Path, populated: Callable[[], Path], name: str, content: bytes, message: str
) -> None:
    out = populated()
    before = snapshot(out)
    src = tmp_path / name
    src.write_bytes(content)
    with pytest.raises(IngestAborted) as err:
        run([src], out)
    assert message in str(err.value) and str(err.value).startswith(str(src))
    assert snapshot(out) == before
    good = write_jsonl(tmp_path / "good.jsonl", [GOOD])
    result = run([src, good], out, on_error="skip")
    assert (result.total("added"), result.total("rejected")) == (1, 1)
    (reject,) = [json.loads(x) for x in result.rejects_path.read_text().splitlines()]  # type: ignore[union-attr]
    assert reject["source"] == str(src) and message in reject["error"]


def test_truncated_json_array_keeps_the_records_before(tmp_path: Path) -> None:
    src = tmp_path / "list.json"
    src.write_text(json.dumps([GOOD, GOOD2])[:-30])
    with pytest.raises(IngestAborted) as err:
        run([src], tmp_path / "out")
    assert str(err.value) == (
        f"{src}:record 2: truncated JSON: the file ends inside record 2 "
        "(1 records before it were read)"
    )
    assert not (tmp_path / "out").exists()  # a store the failed ingest created is removed
    result = run([src], tmp_path / "out", on_error="skip")
    assert (result.total("added"), result.total("rejected")) == (1, 1)


def test_huge_single_line(tmp_path: Path) -> None:
    big = {"id": "big", "prompt": "p", "reasoning": "x" * (50 * 2**20), "answer": "a"}
    src = write_jsonl(tmp_path / "big.jsonl", [GOOD, big, GOOD2])
    result = run([src], tmp_path / "ok")  # under the 64 MB default: ingested whole
    assert result.total("added") == 3
    (row,) = rows(tmp_path / "ok", where="metadata._ingest.id = '\"big\"'")
    assert len(row["reasoning"]) == 50 * 2**20
    with pytest.raises(IngestAborted) as err:
        run([src], tmp_path / "strict", max_record_mb=16)
    assert "line 2: record is 50.0 MB, over the 16 MB limit" in str(err.value)
    skipped = run([src], tmp_path / "strict", max_record_mb=16, on_error="skip")
    assert (skipped.total("added"), skipped.total("rejected")) == (2, 1)


def test_duplicate_ids(tmp_path: Path) -> None:
    changed = {**GOOD, "answer": "9"}
    src = write_jsonl(tmp_path / "d.jsonl", [GOOD, GOOD2, GOOD, changed])
    with pytest.raises(IngestAborted) as err:
        run([src], tmp_path / "out")
    assert str(err.value) == (
        f"{src}:line 4: field id: duplicate id 'g1' with different content (first seen at {src}:1)"
    )
    result = run([src], tmp_path / "out", on_error="skip")
    (report,) = result.files
    assert (report.added, report.duplicates, report.rejected) == (2, 1, 1)
    assert result.first_duplicate == f"{src}:3 repeats {src}:1"


def test_changed_content_under_a_stored_id_is_refused(
    tmp_path: Path, populated: Callable[[], Path]
) -> None:
    out = populated()
    before = snapshot(out)
    (tmp_path / "again").mkdir()  # same file name: same default model id (the file stem)
    changed = [{"id": "b1", "prompt": "q1", "answer": "changed"}]
    src = write_jsonl(tmp_path / "again" / "base.jsonl", changed)
    with pytest.raises(IngestAborted) as err:
        run([src], out)
    assert "field id: id 'b1' is already in the store with different content" in str(err.value)
    assert snapshot(out) == before


def test_failure_after_many_batches_rolls_back(
    tmp_path: Path, populated: Callable[[], Path]
) -> None:
    out = populated()
    before = snapshot(out)
    records: list[Any] = [
        {"id": i, "prompt": f"p{i % 50}", "answer": "a" * 200} for i in range(12_000)
    ]
    src = write_jsonl(tmp_path / "many.jsonl", [*records, '{"id": "last", "prompt": 5}'])
    with pytest.raises(IngestAborted) as err:
        run([src], out)
    assert err.value.problem.line == 12_001
    assert snapshot(out) == before


def test_missing_input_and_bad_map(tmp_path: Path) -> None:
    from cotscope.ingest import FieldMap, IngestUsageError

    with pytest.raises(IngestUsageError, match="no such file or directory: .*nope.jsonl"):
        run([tmp_path / "nope.jsonl"], tmp_path / "out")
    with pytest.raises(IngestUsageError, match="unknown target 'reasonin'"):
        FieldMap.parse(["reasonin=cot"])
    with pytest.raises(IngestUsageError, match="expected target=source"):
        FieldMap.parse(["reasoning"])
    with pytest.raises(IngestUsageError, match="mapped twice"):
        FieldMap.parse(["answer=a", "answer=b"])
    assert not (tmp_path / "out").exists()


def test_store_in_use(tmp_path: Path, populated: Callable[[], Path]) -> None:
    from cotscope.store import Store, StoreError

    out = populated()
    src = write_jsonl(tmp_path / "new.jsonl", [GOOD])
    with Store(out), pytest.raises(StoreError, match="cannot open the store"):
        run([src], out)
    assert run([src], out).total("added") == 1
