"""A real GRPO run (reasoning-under-pressure): two validation dumps, the same 500 prompts.

The reward penalised a CoT monitor's ability to predict the answer; between steps 300
and 340 the monitor's accuracy falls. One ingest command stores both steps with two
outcomes, and `compare` gives the paired step-to-step change on the same prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.store import Store

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "reasoning-under-pressure"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"needs {DATA}")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rup") / "run"
    result = CliRunner().invoke(app, [
        "ingest", str(DATA / "300.jsonl"), str(DATA / "340.jsonl"), "-o", str(out),
        "--map", "step=step", "--map", "prompt=input", "--map", "answer=output",
        "--map", "outcome=monitor_correctness", "--map", "outcome=all_correct",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_one_command_stores_both_steps_and_outcomes(run: Path) -> None:
    with Store(run, read_only=True) as store:
        rows = store.query(
            "SELECT suite, step, count(*) AS n, count(DISTINCT variant_hash) AS prompts,"
            " min(length(reasoning)) AS shortest, bool_and(answer NOT LIKE '%</think>%') AS split,"
            " min(CAST(json_extract(metadata, '$.reward') AS DOUBLE)) AS reward"
            " FROM samples GROUP BY ALL ORDER BY ALL"
        )
    assert [(r["suite"], r["step"], r["n"], r["prompts"]) for r in rows] == [
        ("all_correct", 300, 500, 500), ("all_correct", 340, 500, 500),
        ("monitor_correctness", 300, 500, 500), ("monitor_correctness", 340, 500, 500),
    ]  # fmt: skip
    # The reasoning is split off at </think>, and the reward is kept with the sample.
    assert all(r["shortest"] > 0 and r["split"] for r in rows)
    assert all(r["reward"] is not None for r in rows)


def test_paired_change_between_the_steps(run: Path) -> None:
    result = CliRunner().invoke(app, ["compare", str(run), "300@300", "340@340", "--json"])
    assert result.exit_code == 0, result.output
    rows = {(r["suite"], r["family"]): r for r in json.loads(result.stdout)}
    mon = rows[("monitor_correctness", None)]
    assert mon["design"] == "paired" and mon["n_a"] == mon["n_b"] == 500
    assert (mon["k_a"], mon["k_b"]) == (341, 276)  # 68.2% -> 55.2%
    assert mon["difference"] == pytest.approx(-0.13)
    assert -0.20 < mon["ci_low"] < -0.13 < mon["ci_high"] < -0.05
    assert mon["p_value"] < 1e-4
    correct = rows[("all_correct", None)]
    assert correct["design"] == "paired" and (correct["k_a"], correct["k_b"]) == (297, 186)
    assert correct["ci_high"] < 0 and correct["p_value"] < 1e-4
    stats = json.loads(CliRunner().invoke(app, ["stats", str(run), "--json"]).stdout)
    assert stats["measures"] == {"all_correct": ["all_correct"],
                                 "monitor_correctness": ["monitor_correctness"]}  # fmt: skip
    summary = stats["summary"]["text"]
    assert "monitor_correctness rate: 68% [64, 72] at step 300" in summary
    assert "falls with training step" in summary and "never significantly above" not in summary


def test_several_outcomes_refuse_one_outcome_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "ingest", str(DATA / "300.jsonl"), "-o", str(tmp_path / "run"), "--map", "prompt=input",
        "--map", "outcome=monitor_correctness", "--map", "outcome=all_correct",
        "--outcome-name", "monitored",
    ])  # fmt: skip
    assert result.exit_code == 2
    assert "give --outcome-name with one outcome map" in result.output
    assert not (tmp_path / "run" / "cotscope.duckdb").exists()
