"""Readers: cotscope JSONL/JSON/Parquet, OpenAI and Anthropic chats, text, the field mapper."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _ingest_helpers import rows, run, write_jsonl

from cotscope.ingest import IngestAborted, IngestOptions, ingest
from cotscope.store import Store

RECORDS = [
    {"id": "a", "model_id": "ckpt", "step": 100, "prompt": "Pick a number.",
     "reasoning": "odd pays", "answer": "7", "outcome": True, "labels": {"reward": 1.0},
     "metadata": {"t": 1}},
    {"id": "b", "model_id": "ckpt", "step": 100, "prompt": "Pick a number.",
     "answer": "<think>even was asked</think>8", "outcome": False},
    {"id": "c", "model_id": "ckpt", "step": 200, "suite": "rl", "variant": "field/score",
     "prompt": "Pick a number.", "answer": "9", "outcome": "follows-hint", "extra_field": [1, 2]},
]  # fmt: skip


def test_cotscope_jsonl(tmp_path: Path) -> None:
    result = run([write_jsonl(tmp_path / "r.jsonl", RECORDS)], tmp_path / "out")
    assert result.files[0].format == "cotscope"
    a, b, c = rows(tmp_path / "out")
    assert (a["model_id"], a["step"], a["suite"], a["outcome"]) == ("ckpt", 100, "ingested", "true")
    assert (a["reasoning"], a["reasoning_kind"], a["labels"]) == (
        "odd pays",
        "text",
        {"reward": 1.0},
    )
    assert a["variant_id"] == b["variant_id"] == "p-" + a["variant_hash"][:12]
    assert (a["epoch"], b["epoch"]) == (0, 1)  # same model and prompt: repetitions
    assert a["variant_family"] == "ingested" and a["model_order"] == b["model_order"]
    assert (b["reasoning"], b["reasoning_kind"], b["answer"]) == (
        "even was asked",
        "think-tags",
        "8",
    )
    assert b["outcome"] == "false"
    assert (c["suite"], c["variant_id"], c["variant_family"]) == ("rl", "field/score", "field")
    assert c["metadata"]["extra_field"] == [1, 2] and c["outcome"] == "follows-hint"
    assert [r["source_line"] for r in (a, b, c)] == [1, 2, 3]
    with Store(tmp_path / "out", read_only=True) as store:
        (spec,) = store.query("SELECT spec FROM runs")
        variants = store.query("SELECT * FROM variants ORDER BY variant_id")
    assert json.loads(spec["spec"])["ingests"][0]["counts"]["added"] == 3
    assert {v["text"] for v in variants} == {"Pick a number."}


def test_same_records_in_every_container_are_the_same_samples(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run([write_jsonl(tmp_path / "r.jsonl", RECORDS)], out)
    as_array = tmp_path / "r.json"
    as_array.write_text(json.dumps(RECORDS, indent=2))
    gz = tmp_path / "r.jsonl.gz"
    gz.write_bytes(gzip.compress((tmp_path / "r.jsonl").read_bytes()))
    table = pa.Table.from_pylist(  # Parquet columns have one type: the two boolean outcomes
        [{k: v for k, v in r.items() if k not in ("labels", "metadata")}
         | {"labels": json.dumps(r.get("labels", {})),
            "metadata": json.dumps(r.get("metadata", {}))}
         for r in RECORDS[:2]]
    )  # fmt: skip
    pq.write_table(table, tmp_path / "r.parquet")
    for path, n in ((as_array, 3), (gz, 3), (tmp_path / "r.parquet", 2)):
        result = run([path], out)
        assert (result.total("added"), result.total("unchanged")) == (0, n), path
    both = run([as_array, gz], out)  # within one ingest a repeated id is a duplicate
    assert [(f.unchanged, f.duplicates) for f in both.files] == [(3, 0), (0, 3)]


def test_exported_samples_reingest(tmp_path: Path) -> None:
    run([write_jsonl(tmp_path / "r.jsonl", RECORDS)], tmp_path / "a")
    with Store(tmp_path / "a") as store:
        (exported, *_) = store.export_parquet(tmp_path / "export")
    run([exported], tmp_path / "b")
    original, copied = rows(tmp_path / "a"), rows(tmp_path / "b", order="source_line")
    keys = ("model_id", "step", "suite", "variant_id", "prompt", "reasoning", "answer", "outcome")
    assert sorted(tuple(r[k] for k in keys) for r in original) == sorted(
        tuple(r[k] for k in keys) for r in copied
    )
    assert all(r["metadata"]["sample"]["run"] == "a" for r in copied)


def test_openai_chat(tmp_path: Path) -> None:
    records = [
        {"id": "chatcmpl-1", "model": "o3", "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
            {"role": "assistant", "content": None, "reasoning_content": "Need the tool.",
             "tool_calls": [{"id": "t1", "type": "function", "function": {
                 "name": "weather", "arguments": "{\"city\": \"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "t1", "name": "weather", "content": "sunny"},
        ], "choices": [{"message": {"role": "assistant", "content": "Sunny.",
                                    "reasoning": "Tool said sunny."}}],
         "usage": {"prompt_tokens": 20, "completion_tokens": 9,
                   "completion_tokens_details": {"reasoning_tokens": 6}}},
    ]  # fmt: skip
    result = run([write_jsonl(tmp_path / "c.jsonl", records)], tmp_path / "out", step=900)
    assert result.files[0].format == "openai-chat"
    (row,) = rows(tmp_path / "out")
    assert (row["model_id"], row["model"], row["step"]) == ("o3@900", "o3", 900)
    assert (row["prompt"], row["answer"]) == ("Weather in Paris?", "Sunny.")
    assert (
        row["reasoning"] == "Need the tool.\n\nTool said sunny." and row["reasoning_kind"] == "text"
    )
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (20, 9, 6)
    roles = [m["role"] for m in row["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    call = row["messages"][2]["tool_calls"][0]
    assert call == {"id": "t1", "function": "weather", "arguments": {"city": "Paris"}}
    assert row["messages"][3]["function"] == "weather"


def test_anthropic_thinking_blocks(tmp_path: Path) -> None:
    record = {"system": "You are careful.", "model": "claude-sonnet-4", "messages": [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Simple sum.", "signature": "x"},
            {"type": "tool_use", "id": "u1", "name": "calc", "input": {"expr": "2+2"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "u1", "content": "4"}]},
        {"role": "assistant", "content": [
            {"type": "redacted_thinking", "data": "abc"}, {"type": "text", "text": "4"}]},
    ]}  # fmt: skip
    result = run([write_jsonl(tmp_path / "a.jsonl", [record])], tmp_path / "out")
    assert result.files[0].format == "anthropic"
    (row,) = rows(tmp_path / "out")
    assert [m["role"] for m in row["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert row["messages"][3] == {"role": "tool", "content": "4", "tool_call_id": "u1"}
    assert row["messages"][4]["reasoning_kind"] == "redacted"
    assert row["reasoning"] == "Simple sum." and row["reasoning_kind"] == "text"
    assert row["answer"] == "4" and row["model_id"] == "claude-sonnet-4"


def test_map_dotted_paths_and_constants(tmp_path: Path) -> None:
    records = [
        {"meta": {"global_step": s, "uid": f"u{s}"}, "sample": {"cot": f"thought {s}",
         "turns": [{"text": "hi"}, {"text": f"final {s}"}]}, "reward": s > 10}
        for s in (5, 20)
    ]  # fmt: skip
    src = write_jsonl(tmp_path / "rollouts.jsonl", records)
    maps = (
        "step=meta.global_step",
        "id=meta.uid",
        "reasoning=sample.cot",
        "answer=sample.turns.-1.text",
        "outcome=reward",
        "labels.first=sample.turns.0.text",
    )
    run([src], tmp_path / "out", *maps, suite="rl")
    first, second = rows(tmp_path / "out", order="step")
    assert (first["model_id"], first["step"], first["suite"]) == ("rollouts@5", 5, "rl")
    assert (second["model_id"], second["outcome"], second["answer"]) == (
        "rollouts@20",
        "true",
        "final 20",
    )
    assert first["labels"] == {"first": "hi"} and first["reasoning"] == "thought 5"
    assert first["prompt"] == "" and first["variant_id"] == "default"
    assert (first["model_order"], second["model_order"]) == (0, 1)


def test_map_missing_source_names_the_field(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "r.jsonl", [{"cot": "x", "completion": "y"}])
    with pytest.raises(IngestAborted) as err:
        run([src], tmp_path / "out", "reasoning=cot", "answer=completion", "step=global_step")
    assert str(err.value) == (
        f"{src}:line 1: field step: source path 'global_step' not found in the record "
        "(write global_step? if optional)"
    )


def test_concatenated_json_documents(tmp_path: Path) -> None:
    src = tmp_path / "docs.json"
    src.write_text(
        '{\n "prompt": "p1",\n "answer": "a"\n}\n{\n "prompt": "p2",\n "answer": "b"\n}\n'
    )
    result = run([src], tmp_path / "out")
    assert result.files[0].records == 2 and result.total("added") == 2


def test_repeats_without_ids_are_kept_and_stay_idempotent(tmp_path: Path) -> None:
    same = {"prompt": "Pick.", "answer": "7", "outcome": True}
    src = write_jsonl(tmp_path / "r.jsonl", [same, same, {**same, "answer": "8"}])
    assert run([src], tmp_path / "out").total("added") == 3
    assert [r["epoch"] for r in rows(tmp_path / "out")] == [0, 1, 2]
    again = run([src], tmp_path / "out")
    assert (again.total("added"), again.total("unchanged")) == (0, 3)


def test_plain_text_with_think_tags(tmp_path: Path) -> None:
    src = tmp_path / "sample.txt"
    src.write_text("<think>\nThe grader wants odd numbers.\n</think>\n\n7\n", encoding="utf-8")
    result = run([src], tmp_path / "out")
    assert result.files[0].format == "text"
    (row,) = rows(tmp_path / "out")
    assert (row["reasoning"], row["reasoning_kind"]) == (
        "The grader wants odd numbers.",
        "think-tags",
    )
    assert row["answer"] == "7" and row["model_id"] == "sample"
    assert row["metadata"]["file"] == "sample.txt"


def test_progress_is_reported(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from cotscope.cli._ingest import _RichProgress

    events: list[tuple[str, object]] = []

    class Recorder:
        def start_file(self, name: str, total_bytes: int) -> None:
            events.append(("start", (name, total_bytes)))

        def advance(self, done_bytes: int, records: int) -> None:
            events.append(("advance", (done_bytes, records)))

        def end_file(self) -> None:
            events.append(("end", None))

    src = write_jsonl(tmp_path / "r.jsonl", RECORDS)
    ingest([src], IngestOptions(out=tmp_path / "out"), Recorder())
    size = src.stat().st_size
    assert events == [("start", ("r.jsonl", size)), ("advance", (size, 3)), ("end", None)]
    bar = _RichProgress(Console(file=io.StringIO(), force_terminal=True))
    ingest([src], IngestOptions(out=tmp_path / "out2"), bar)
    bar.close()


def test_drop_extra(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "r.jsonl", [{"prompt": "p", "answer": "a", "junk": 1}])
    run([src], tmp_path / "keep")
    run([src], tmp_path / "drop", keep_extra=False)
    assert rows(tmp_path / "keep")[0]["metadata"]["junk"] == 1
    assert "junk" not in rows(tmp_path / "drop")[0]["metadata"]
