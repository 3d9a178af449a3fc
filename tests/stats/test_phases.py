"""Trends and change points within a training phase.

A run of 30 steps, 8 rollouts each: an SFT phase (steps 0-7) at 5%, then RL
(steps 8-29) at 50% until step 19 and 95% from step 20. The phase boundary is the
recipe's own change; within RL the change at step 20 is the finding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.report import ReportOptions, build_report
from cotscope.stats import ModelInfo, collect_stats
from cotscope.stats._collect import phase_segments
from cotscope.store import Store

RL_CHANGE = 20


def _rate(step: int) -> float:
    if step < 8:
        return 0.05
    return 0.5 if step < RL_CHANGE else 0.95


def _dump(path: Path, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    lines = [
        json.dumps({
            "step": step, "phase": "sft" if step < 8 else "rl",
            "hack": bool(rng.random() < _rate(step)), "prompt": f"task {step}-{i}",
            "completion": "sys.exit(0)",
        })
        for step in range(30)
        for i in range(8)
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def _ingest(src: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(app, [
        "ingest", str(src), "-o", str(out), "--run-id", "trunk", "--map", "step=step",
        "--map", "outcome=hack", "--map", "answer=completion", *extra,
    ])  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def phased(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("phases")
    _ingest(_dump(tmp / "dump.jsonl"), tmp / "run", "--map", "phase=phase")
    return tmp / "run"


def _model(step: int, phase: str) -> ModelInfo:
    return ModelInfo(f"m{step}", "m", step, None, step, float(step), "r", 1, phase)


def test_segments_cut_where_the_phase_changes() -> None:
    models = [_model(s, p) for s, p in [(3, "rl"), (0, "sft"), (1, "sft"), (2, "rl")]]
    segments = phase_segments(models)
    assert [(p, [m.step for m in ms]) for p, ms in segments] == [("sft", [0, 1]), ("rl", [2, 3])]
    assert phase_segments([_model(0, "sft"), _model(1, "sft")]) == []  # one phase: the run
    assert phase_segments([_model(0, "sft"), _model(1, "")]) == []  # not every one recorded


def test_the_change_within_a_phase_is_located(phased: Path) -> None:
    with Store(phased, read_only=True) as store:
        stats = collect_stats(store)
    assert {m.phase for m in stats.models} == {"sft", "rl"}
    rows = {p.phase: p for p in stats.phases}
    assert set(rows) == {"sft", "rl"}
    sft, rl = rows["sft"], rows["rl"]
    assert (sft.first_step, sft.last_step, sft.checkpoints) == (0, 7, 8)
    assert (rl.first_step, rl.last_step, rl.checkpoints) == (8, 29, 22)
    change = rl.change.change
    assert change is not None and change.p_value < 0.05
    assert change.after.first_step == RL_CHANGE
    assert change.interval_after_step < RL_CHANGE <= change.interval_by_step
    assert rl.trend.p_value is not None and rl.trend.p_value < 0.05
    assert rl.trend.direction == "increasing"
    # The SFT phase is flat at 5%: no change is claimed inside it.
    assert sft.change.change is not None and sft.change.change.p_value >= 0.05
    phase_lines = [line.text for line in stats.summary if line.kind == "phase"]
    assert len(phase_lines) == 2
    assert any("within phase rl (steps 8–29)" in t and f"step {RL_CHANGE}" in t
               for t in phase_lines)  # fmt: skip


def test_stats_json_and_report_carry_the_phases(phased: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["stats", str(phased), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    rl = next(p for p in data["phases"] if p["phase"] == "rl")
    assert rl["change"]["after"]["first_step"] == RL_CHANGE and rl["checkpoints"] == 22
    assert "within phase rl" in data["summary"]["text"]
    html = build_report(phased, options=ReportOptions(figures=False), out_dir=tmp_path).read_text()
    assert "within phase rl (steps 8–29)" in html


def test_one_phase_is_the_run_itself(tmp_path: Path) -> None:
    _ingest(_dump(tmp_path / "d.jsonl"), tmp_path / "run", "--phase", "rl")
    with Store(tmp_path / "run", read_only=True) as store:
        stats = collect_stats(store)
    assert {m.phase for m in stats.models} == {"rl"} and stats.phases == []


def test_a_checkpoint_in_two_phases_is_refused(tmp_path: Path) -> None:
    lines = [
        json.dumps({"step": 3, "phase": phase, "hack": True, "prompt": f"p{i}", "answer": "a"})
        for i, phase in enumerate(["sft", "sft", "rl"])
    ]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, [
        "ingest", str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "run"), "--map", "outcome=hack",
    ])  # fmt: skip
    assert result.exit_code != 0
    assert "d.jsonl:line 3: field phase" in result.output
    assert not (tmp_path / "run" / "cotscope.duckdb").exists() or _empty(tmp_path / "run")


def _empty(run: Path) -> bool:
    with Store(run, read_only=True) as store:
        return store.con.execute("SELECT count(*) FROM samples").fetchone() == (0,)
