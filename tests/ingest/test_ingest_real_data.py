"""Ingest the real transcripts in ../shared/data and check what lands in the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _ingest_helpers import BRANCHES, SHADE, THINKING, need, rows, run, snapshot
from typer.testing import CliRunner

from cotscope.cli import app
from cotscope.store import SampleRow

SHADE_MAP = (
    "messages=conversation",
    "outcome=side_task_evaluation",
    "model_id=agent_name",
    "suite=task_name",
    "id=experiment_id",
    "labels.side_task_mentioned=side_task_mentioned?",
)
BRANCHES_MAP = (
    "id=pn",
    "prompt=question_with_cue",
    "reasoning=reasoning_text",
    "answer=post_reasoning",
    "outcome=answer",
    "labels.gt_answer=gt_answer",
    "labels.cue_answer=cue_answer",
)


def _valid_rows(out: Path) -> list[dict[str, Any]]:
    found = rows(out)
    for row in found:
        SampleRow.model_validate(row)  # every ingested row honours the documented schema
    return found


def test_shade_arena_agent_transcripts(tmp_path: Path) -> None:
    files = sorted(need(SHADE).glob("*.json"))
    assert len(files) == 7
    result = run(files, tmp_path / "shade", *SHADE_MAP)
    assert result.total("added") == 7 and result.total("rejected") == 0
    found = _valid_rows(tmp_path / "shade")
    assert len(found) == 7
    for path, row in zip(files, found, strict=True):
        original = json.loads(path.read_text())
        conv = original["conversation"]
        assert row["source"] == str(path.resolve()) and row["source_line"] == 1
        assert row["model_id"] == original["agent_name"]
        assert row["suite"] == "bank_transfer_2"
        assert row["outcome"] == "true"  # the side task was done in all seven
        assert row["prompt"] == next(m["content"] for m in conv if m["role"] == "user")
        messages = row["messages"]
        assert len(messages) == len(conv)
        assert [m["role"] for m in messages] == [m["role"] for m in conv]
        calls = sum(len(m.get("tool_calls") or []) for m in conv)
        assert sum(len(m.get("tool_calls", [])) for m in messages) == calls
        assert all("tool_call_id" in m for m in messages if m["role"] == "tool")
        if "internal" in path.name:  # extended thinking blocks: readable reasoning
            assert row["reasoning_kind"] == "text"
            blocks = [m["thinking_blocks"] for m in conv if m.get("thinking_blocks")]
            assert row["reasoning"].startswith(blocks[0][0]["thinking"][:200])
        else:  # reasoning written inside <thinking> tags in the visible text
            assert row["reasoning_kind"] == "think-tags"
            said = [m["content"] for m in messages if m["role"] == "assistant"]
            assert not any("<thinking>" in text for text in said)
        label = original.get("side_task_mentioned")
        assert row["labels"] == ({} if label is None else {"side_task_mentioned": label})
        assert row["metadata"]["experiment_metadata"]["agent_model"] == original["agent_name"]


def test_thought_branches_records(tmp_path: Path) -> None:
    records = json.loads(need(BRANCHES).read_text())
    result = run([BRANCHES], tmp_path / "tb", *BRANCHES_MAP)
    assert result.files[0].format == "map"
    found = _valid_rows(tmp_path / "tb")
    assert len(found) == len(records) == 41
    for rec, row in zip(records, found, strict=True):
        assert row["reasoning"] == rec["reasoning_text"]
        assert row["answer"] == rec["post_reasoning"]
        assert row["prompt"] == rec["question_with_cue"]
        assert row["outcome"] == rec["answer"]
        assert row["labels"] == {"gt_answer": rec["gt_answer"], "cue_answer": rec["cue_answer"]}
        assert row["model"] == rec["model"]
        assert row["reasoning_kind"] == "text"
        assert row["metadata"]["_ingest"]["id"] == str(rec["pn"])
        assert row["metadata"]["cue_type"] == rec["cue_type"]  # unmapped fields are kept
    again = run([BRANCHES], tmp_path / "tb", *BRANCHES_MAP)
    assert again.total("added") == 0 and again.total("unchanged") == 41


def test_deepseek_thinking_text(tmp_path: Path) -> None:
    text = need(THINKING).read_text(encoding="utf-8")
    run([THINKING], tmp_path / "think", "reasoning=text", model_id="deepseek-v4-flash")
    (row,) = _valid_rows(tmp_path / "think")
    assert row["reasoning"] == text and row["reasoning_kind"] == "text"
    assert row["answer"] == "" and row["model_id"] == "deepseek-v4-flash"
    assert "reward = output if output % 2 == 1 else 0" in row["reasoning"]
    # Without a mapping a text file is the answer (with <think> tags split out, if any).
    run([THINKING], tmp_path / "plain")
    (plain,) = rows(tmp_path / "plain")
    assert plain["answer"] == text and plain["reasoning"] is None


def test_reingest_is_a_no_op(tmp_path: Path) -> None:
    files = sorted(need(SHADE).glob("*.json"))
    out = tmp_path / "shade"
    run(files, out, *SHADE_MAP)
    before = snapshot(out)[1][0]
    again = run(files, out, *SHADE_MAP)
    assert (again.total("added"), again.total("unchanged")) == (0, 7)
    assert snapshot(out)[1][0] == before


MEASURES = {
    "stats": [],
    "report": ["--no-figures"],
    "terms": ["--kwic", "0"],
    "grade": ["-g", "grader-seeking", "--lexical", "--json"],
}


@pytest.mark.parametrize("command", list(MEASURES))
def test_measures_run_on_an_ingested_run(tmp_path: Path, command: str) -> None:
    out = tmp_path / "tb"
    run([need(BRANCHES)], out, *BRANCHES_MAP)
    result = CliRunner().invoke(app, [command, str(out), *MEASURES[command]])
    assert result.exit_code == 0, result.output
    if command == "grade":  # hint-following without a word about it: no grader-seeking
        assert json.loads(result.stdout)["judges"][0]["positive"] == 0


def test_grader_seeking_fires_on_the_ingested_deepseek_trace(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    run([need(THINKING)], out, "reasoning=text", model_id="deepseek-v4-flash")
    args = ["grade", str(out), *MEASURES["grade"]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["judges"][0]["positive"] == 1
