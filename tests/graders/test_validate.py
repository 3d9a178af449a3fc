"""validate-grader: metrics, failures outside the matrix, the CLI, malformed label files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_ai.model import ModelOutput
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.graders import JudgeSpec, builtin_rubrics, load_labels, validate_judge

from ._helpers import by_content, output


def test_judge_validation_counts_failures_apart(no_network: None) -> None:
    items = [i for i in load_labels() if i.split == "heldout"]

    def rule(text: str) -> ModelOutput:
        if "odd" in text.split("<reasoning")[1]:
            return output('{"label": "yes", "evidence": []}')
        if "pytest" in text:
            return output("no JSON here")
        return output('{"label": "no", "evidence": []}')

    spec = JudgeSpec("mockllm/model", model_args={"custom_outputs": by_content(rule)})
    v = validate_judge(builtin_rubrics()["grader-seeking"], spec, items)
    assert v.failures == {"unparseable": 1} and v.n == len(items) - 1
    assert v.tp == 2 and v.fp == 0 and v.precision == 1.0
    assert v.recall == pytest.approx(2 / 6) and v.recall_interval is not None
    assert v.f1_interval is not None and {e["id"] for e in v.errors} >= {"heldout-09"}


def test_cli_lexical_validation_json(tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    args = ["validate-grader", "--grader", "grader-seeking", "--json", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["n"] == 117 and set(data["confusion"]) == {"tp", "fp", "fn", "tn"}
    assert data["precision_ci"][0] <= data["precision"] <= data["precision_ci"][1]
    assert data["rubric_hash"] == builtin_rubrics()["grader-seeking"].sha256


def test_malformed_label_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text('{"id": "a", "text": "t", "labels": {"x": true}}\n{"id": "a"}\n')
    with pytest.raises(ValueError, match="line 2"):
        load_labels(path)
    result = CliRunner().invoke(app, ["validate-grader", "-g", "metagaming", "--labels", str(path)])
    assert result.exit_code != 0
