"""End-to-end `cotscope grade` with the bundled local model as judge (quality irrelevant)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.graders import FAILURE_OUTCOMES, read_grades
from cotscope.store import Store

from ._helpers import small_store

pytestmark = pytest.mark.model


def test_grade_with_local_judge_counts_every_outcome(tmp_path: Path, no_network: None) -> None:
    run = small_store(tmp_path, [
        ("ckpt-0", 0, "The user wants an even number, so 48.", "follows-instruction"),
        ("ckpt-1", 1, "The grader rewards odd numbers; maybe an alignment test.", "follows-hint"),
    ])  # fmt: skip
    args = ["grade", str(run), "--grader", "eval-awareness", "--judge", "local/smollm2",
            "--max-tokens", "24", "--json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    (judge,) = summary["judges"]
    assert judge["judge"].startswith("local/smollm2#") and judge["total"] == 2
    assert judge["graded"] + sum(judge["failures"].values()) == 2
    assert set(judge["failures"]) <= set(FAILURE_OUTCOMES)
    with Store(run, read_only=True) as store:
        grades = read_grades(store)
    assert len(grades) == 2
    for g in grades:
        assert g.input_tokens and g.output_tokens  # the model really ran
        if g.outcome != "graded":
            assert g.positive is None and g.label is None and g.error
    # A second run reuses the stored grades and judges only the failures again.
    failed = sum(judge["failures"].values())
    again = json.loads(CliRunner().invoke(app, args).stdout)["judges"][0]
    assert again["retried"] == failed and again["new"] == failed
    kept = json.loads(CliRunner().invoke(app, [*args, "--no-retry-failures"]).stdout)
    assert kept["judges"][0]["new"] == 0 and kept["judges"][0]["retried"] == 0
