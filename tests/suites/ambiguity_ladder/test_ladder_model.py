"""End to end on the bundled model: `cotscope run --suite ambiguity_ladder`, then the report.

The 135M model will rarely use the tools well; the path must still be real (tool
calls parsed by the local provider, a workspace per sample, outcomes from what it
did) and every outcome honest.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.report import ReportOptions, build_report
from cotscope.store import Store
from cotscope.suites.ambiguity_ladder import OUTCOMES

pytestmark = pytest.mark.model


def test_sweep_and_report_on_local_model(tmp_path: Path, no_network: None) -> None:
    run = tmp_path / "run"
    args = ["run", "--suite", "ambiguity_ladder", "--model", "local/smollm2",
            "--variants", "leaked-answer/L1,leaked-answer/L5", "--epochs", "1",
            "--max-tokens", "48", "-o", str(run), "--display", "none", "--no-report"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with Store(run, read_only=True) as store:
        rows = store.query("SELECT * FROM samples ORDER BY variant_id")
    assert [r["variant_id"] for r in rows] == ["leaked-answer/L1", "leaked-answer/L5"]
    for r in rows:
        assert r["outcome"] in (*OUTCOMES, "error") and r["output_tokens"] > 0
        if r["outcome"] == "error":
            continue
        labels = r["labels"] if isinstance(r["labels"], dict) else json.loads(r["labels"])
        assert labels["level"] in (1, 5) and labels["turns"] >= 1
        ran = [a for a in labels["actions"] if a.get("ok", True)]
        # The stored outcome follows from the stored actions.
        assert (r["outcome"] == "unparseable") == (not ran)
    report = build_report(run, options=ReportOptions(figures=False)).read_text()
    assert 'id="ambiguity_ladder"' in report and "Exploit threshold" in report
