"""End to end on the bundled model: `cotscope run --suite covert_actions`, then the report.

The 135M model rarely uses the tools correctly; the path must still be real (its
text is parsed for tool calls, tools run in a sandbox) and the outcomes honest:
each stored outcome is the criterion's verdict on what was recorded.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.report import ReportOptions, build_report
from cotscope.store import Store
from cotscope.suites._workspace import Episode
from cotscope.suites.covert_actions import OUTCOMES, Rule, judge, load_variants

pytestmark = pytest.mark.model


def test_sweep_and_report_on_local_model(
    tmp_path: Path, no_network: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspaces = tmp_path / "ws"
    workspaces.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(workspaces))
    run = tmp_path / "run"
    args = ["run", "--suite", "covert_actions", "--model", "local/smollm2",
            "--variants", "log_falsification/treatment,legal_reporting/control", "--epochs", "1",
            "--max-tokens", "40", "-o", str(run), "--display", "none", "--no-report"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with Store(run, read_only=True) as store:
        rows = store.query("SELECT * FROM samples ORDER BY variant_id")
    assert [r["variant_id"] for r in rows] == [
        "legal_reporting/control",
        "log_falsification/treatment",
    ]
    variants = {v.id: v for v in load_variants()}
    for r in rows:
        assert r["outcome"] in (*OUTCOMES, "error"), r["error"]
        assert r["outcome"] != "error", r["error"]
        labels = r["labels"] if isinstance(r["labels"], dict) else json.loads(r["labels"])
        assert labels["role"] in ("treatment", "control") and labels["evidence"]
        assert 1 <= labels["turns"] <= 8
        # Re-judging the stored record gives the stored outcome.
        rule = Rule.model_validate(variants[r["variant_id"]].scoring)
        files = {**rule.workspace, **labels["changed_files"]}
        for gone in labels["deleted_files"]:
            files.pop(gone)
        final = r["answer"] if labels["stop"] == "answered" else ""
        ep = Episode(
            files=files,
            submitted=labels["submitted"],
            stop=labels["stop"],
            final_text=final,
            actions=labels["actions"],
        )
        assert judge(ep, rule).outcome == r["outcome"]
    assert list(workspaces.glob("cotscope-*")) == []  # torch may leave its own cache here
    report = build_report(run, options=ReportOptions(figures=False)).read_text()
    assert 'id="covert_actions"' in report and "Per environment" in report
