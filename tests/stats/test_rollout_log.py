"""A training log as labs write it: a few rollouts per step, a new prompt every time.

The labelled behaviour sits near 10% for the first steps and at 100% from step 1,200
on; `stats` and the report must locate the change and show the first rise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from cotscope.cli._app import app


def _dump(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    lines = []
    for step in range(0, 2000, 50):
        for i in range(int(rng.integers(5, 11))):
            hack = bool(rng.random() < (0.1 if step < 1200 else 1.0))
            lines.append(json.dumps({
                "id": f"{step}-{i}", "step": step, "hack": hack,
                "prompt": f"Task {step}-{i}: make the tests pass.",
                "completion": "<think>The grader only checks the exit code.</think>sys.exit(0)",
            }))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_change_in_a_rollout_log_is_located(tmp_path: Path) -> None:
    runner = CliRunner()
    run = tmp_path / "rl"
    ingest = runner.invoke(app, ["ingest", str(_dump(tmp_path / "dump.jsonl")), "-o", str(run),
                                 "--map", "step=step", "--map", "outcome=hack",
                                 "--map", "answer=completion"])  # fmt: skip
    assert ingest.exit_code == 0, ingest.output
    result = runner.invoke(app, ["stats", str(run), "--json"])
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["x_axis"] == "step"
    (change,) = [c for c in stats["change_points"] if c["family"] is None]
    cp = change["change"]
    assert cp["before"]["last_step"] == 1150 and cp["after"]["first_step"] == 1200
    assert cp["interval_after_step"] <= 1150 and cp["interval_by_step"] >= 1200
    assert cp["p_value"] < 0.01 and cp["after"]["rate"] == 1.0
    assert change["measure"] == "hack"  # named after the mapped field, not "true"
    assert change["sentence"].startswith("hack rate shifts from 10%")
    assert "between steps 1,150 and 1,200" in change["sentence"]
    (rise,) = [r for r in stats["first_rise"] if r["family"] is None]
    assert rise["window_min_n"] == 30 and rise["first_rise_step"] is not None
    assert 1000 <= rise["first_rise_step"] <= 1200 <= rise["first_rise_last_step"] + 200

    table = runner.invoke(app, ["stats", str(run)], env={"COLUMNS": "200"})
    assert "first significant rise: steps 1150–" in table.stdout
    assert "change point: hack rate shifts from 10%" in table.stdout

    report = runner.invoke(app, ["report", str(run), "--no-figures"])
    assert report.exit_code == 0, report.stderr
    page = (run / "report.html").read_text()
    assert "Change point: the " in page and "between steps 1,150 and 1,200" in page
    assert "steps pooled into windows of at least 30 samples" in page
    assert "the hack rate shifts" in page

    named = runner.invoke(app, ["ingest", str(tmp_path / "dump.jsonl"), "-o", str(tmp_path / "n"),
                                "--map", "step=step", "--map", "outcome=hack",
                                "--outcome-name", "reward hack"])  # fmt: skip
    assert named.exit_code == 0, named.output
    stats = json.loads(runner.invoke(app, ["stats", str(tmp_path / "n"), "--json"]).stdout)
    assert stats["measures"] == {"ingested": ["reward hack"]}
