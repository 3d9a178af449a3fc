"""The msgspec path for flat JSON lines agrees with pydantic, and refuses what it cannot settle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _ingest_helpers import rows, run, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

from cotscope.ingest import IngestAborted, TranscriptRecord
from cotscope.ingest._adapt import FieldMap
from cotscope.ingest._flat import FlatRecord, decode_flat
from cotscope.ingest._parse import RecordParser
from cotscope.ingest._rows import ROW_COLUMNS, Constants, Known, RecordContext, RowBuilder
from cotscope.ingest._sources import RawRecord, open_source


def test_flat_record_mirrors_the_schema() -> None:
    assert FlatRecord.__struct_fields__ == tuple(TranscriptRecord.model_fields)
    flat, model = decode_flat(b'{"answer": "a"}'), TranscriptRecord(answer="a")
    assert flat is not None
    assert {n: getattr(flat, n) for n in FlatRecord.__struct_fields__} == model.model_dump()


_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), _text,
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
_json = st.recursive(
    _scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                     st.dictionaries(_text, inner, max_size=3)),
    max_leaves=6,
)  # fmt: skip
_count = st.integers(0, 10**12)
_plain = st.fixed_dictionaries(
    {"answer": st.one_of(_text, st.just("<think>r</think>a"))},
    optional={
        "id": st.one_of(_text, st.integers(-5, 10**6)),
        "model_id": _text,
        "model": _text,
        "step": _count,
        "epoch": _count,
        "suite": _text,
        "variant": _text,
        "variant_family": _text,
        "prompt": st.one_of(_text, st.none()),
        "reasoning": st.one_of(_text, st.none()),
        "reasoning_kind": st.sampled_from(["text", "summary", "redacted", "think-tags", None]),
        "outcome": st.one_of(_text, st.booleans(), st.none()),
        "error": st.one_of(_text, st.none()),
        "labels": st.dictionaries(_text, _json, max_size=3),
        "metadata": st.dictionaries(_text, _json, max_size=3),
        "input_tokens": _count,
        "output_tokens": _count,
        "reasoning_tokens": _count,
    },
)
_spoilers = st.sampled_from([
    {}, {}, {}, {}, {"extra_field": 1}, {"messages": [{"role": "user", "content": "q"}]},
    {"step": "4"}, {"step": 3.0}, {"epoch": -1}, {"model": 3}, {"outcome": 1},
    {"labels": None}, {"id": 1.5}, {"reasoning_kind": "other"}, {"answer": "\udc00"},
    {"metadata": {"_ingest": {"id": "old"}}}, {"answer": None},
])  # fmt: skip
records = st.builds(lambda plain, spoiler: {**plain, **spoiler}, _plain, _spoilers)


def _row(parser_input: RawRecord, path: str) -> tuple[str, Any]:
    parser = RecordParser(FieldMap(), "cotscope")
    if path == "flat":
        assert parser_input.raw is not None
        rec: Any = parser.flat(parser_input.raw)
        if rec is None:
            return "refused", None
    try:
        if path != "flat":
            rec = parser.parse(parser_input)
        ctx = RecordContext("src", 0, "stem", "cotscope")
        return "ok", RowBuilder(Constants("r"), Known()).build(rec, ctx, 1)
    except Exception as ex:  # noqa: BLE001 - the kind of failure is what is compared
        return "error", (type(ex).__name__, getattr(ex, "field", None))


@settings(max_examples=400, deadline=None)
@given(records, st.sampled_from([", ", ","]))
def test_flat_path_builds_what_pydantic_builds(record: dict[str, Any], sep: str) -> None:
    line = json.dumps(record, separators=(sep, ": ")).encode()
    flat_status, flat_row = _row(RawRecord(1, raw=line), "flat")
    reference = _row(RawRecord(1, data=json.loads(line)), "reference")
    if flat_status == "refused":
        return  # the loop then takes the reference path itself
    assert (flat_status, flat_row) == reference
    assert flat_status == "error" or len(flat_row[1]) == len(ROW_COLUMNS)


@pytest.mark.parametrize(
    "line",
    [
        b'{"answer": "a", "extra": 1}',  # fields outside the schema go to metadata: pydantic's job
        b'{"answer": "a", "messages": [{"role": "user", "content": "q"}]}',
        b'{"answer": "a", "step": "5"}',  # lax numbers
        b'{"answer": "a", "step": 5.0}',
        b'{"answer": "a", "step": -1}',
        b'{"answer": "a", "epoch": 2147483648}',  # over the store's INTEGER
        b'{"answer": "a", "labels": {"x": 1e400}}',
        b'{"answer": "\\ud800"}',  # lone surrogate escape
        b'{"answer": "\xe9"}',  # invalid UTF-8
        b'{"answer": "a"',  # truncated
        b'{"answer": "a"} x',
        b"[1, 2]",
    ],
)
def test_flat_decoder_refuses_what_pydantic_must_settle(line: bytes) -> None:
    assert decode_flat(line) is None


def test_flat_decoder_accepts_a_plain_rollout() -> None:
    rec = decode_flat(b'{"id": 7, "step": 3, "prompt": "p", "reasoning": "r\\nr", "outcome": true,'
                      b' "labels": {"reward": 0.5}}\n')  # fmt: skip
    assert rec is not None
    assert (rec.id, rec.step, rec.reasoning, rec.outcome, rec.labels) == (
        7,
        3,
        "r\nr",
        True,
        {"reward": 0.5},
    )


def test_lines_number_blank_lines_and_cut_long_ones(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    long = b'{"answer": "' + b"x" * 3000 + b'"}'
    path.write_bytes(b'\xef\xbb\xbf{"answer": "a"}\r\n\n  \n' + long + b'\n{"answer": "b"}')
    source = open_source(path, max_record_bytes=1024)
    got = list(source.lines())
    assert [(i, problem is None) for i, _, problem in got] == [(1, True), (4, False), (5, True)]
    assert got[0][1] == b'{"answer": "a"}\r\n' and got[2][1] == b'{"answer": "b"}'
    assert got[1][1] == long[: 1024 + 1][:4096] and "limit" in str(got[1][2])
    assert [r.raw for r in source.records()][0] == b'{"answer": "a"}'


def test_flat_and_other_lines_in_one_file(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            {"id": "a", "prompt": "p", "answer": "1", "outcome": True},
            {"id": "b", "prompt": "p", "answer": "2", "step": "7", "seed_note": "x"},
            {"id": "c", "prompt": "p", "answer": "3", "labels": {"r": 1.5}},
        ],
    )
    result = run([src], tmp_path / "run")
    assert result.total("added") == 3
    stored = {r["parsed_answer"] or r["answer"]: r for r in rows(tmp_path / "run")}
    assert stored["2"]["step"] == 7 and stored["2"]["metadata"]["seed_note"] == "x"
    assert stored["3"]["labels"] == {"r": 1.5}
    assert stored["1"]["outcome"] == "true" and stored["1"]["run"] == "run"
    assert all(r["model_args"] == {} and r["label"] is None for r in stored.values())
    again = run([src], tmp_path / "run")
    assert again.total("unchanged") == 3 and again.total("added") == 0


@pytest.mark.parametrize(("field", "value"), [("step", 2**63), ("input_tokens", 2**31)])
def test_numbers_the_store_cannot_hold_are_named(tmp_path: Path, field: str, value: int) -> None:
    src = write_jsonl(tmp_path / "big.jsonl", [{"id": "a", "answer": "x", field: value}])
    with pytest.raises(IngestAborted) as err:
        run([src], tmp_path / "run")
    problem = err.value.problem
    assert (problem.line, problem.field) == (1, field) and "less than or equal" in problem.message
