"""`cotscope terms`: text and JSON output, options, errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import PLANT, PLANT_FROM, STEPS
from cotscope.cli import app

runner = CliRunner()


def test_json_has_the_issue_fields(planted_run: Path) -> None:
    res = runner.invoke(app, ["terms", str(planted_run), "--json", "--kwic", "1"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["schema_version"] == "cotscope.terms/1"
    assert len(data["provenance"]["tracked_terms_sha256"]) == 64
    (suite,) = data["suites"]
    emergent = suite["emergent"][0]
    assert emergent["term"] == PLANT and emergent["first_rise_step"] == STEPS[PLANT_FROM]
    for term in [emergent, *suite["tracked"], *suite["overused"]]:
        assert {"term", "checkpoints", "kwic"} <= set(term)
        for point in term["checkpoints"]:
            assert {"count", "cots_with_term", "rate_per_1k", "z_vs_baseline"} <= set(point)
            assert {"share_ci", "rate_ci"} <= set(point)


def test_text_output_with_compare_and_track(planted_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "terms.json"
    res = runner.invoke(
        app,
        [
            "terms",
            str(planted_run),
            "--compare",
            "step:0",
            "step:500",
            "--track",
            f"{PLANT},grader,reward",
            "--kwic",
            "2",
            "--out",
            str(out),
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "Emergent" in res.stdout and PLANT in res.stdout
    assert "step 500 against step 0" in res.stdout
    assert "Tracked but never used: grader" in res.stdout
    data = json.loads(out.read_text())
    assert [t["term"] for t in data["suites"][0]["tracked"]] == [PLANT, "grader", "reward"]
    assert data["suites"][0]["comparison"]["more_in_b"][0]["term"] == PLANT


def test_errors(planted_run: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["terms", str(planted_run), "--track", "reward hacking"])
    assert res.exit_code == 2 and "2 tokens" in res.output
    res = runner.invoke(app, ["terms", str(tmp_path / "nowhere")])
    assert res.exit_code == 1 and "no cotscope store" in res.output


def test_judge_failures_are_counted_not_inside(planted_run: Path, no_network: None) -> None:
    # mockllm's default output is no verdict: every grade fails, and none counts as "inside"
    args = ["terms", str(planted_run), "--json", "--judge", "mockllm/model", "--kwic", "2"]
    res = runner.invoke(app, [*args, "--top", "0", "--track", PLANT])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["outside_scenario_status"].startswith("judged by mockllm/model")
    (term,) = data["suites"][0]["tracked"]
    share = term["outside_scenario"]
    assert share["failed"] == len(term["kwic"]) == 2
    assert share["inside"] == share["outside"] == 0 and share["share"] is None
