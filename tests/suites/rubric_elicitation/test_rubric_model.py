"""End to end on the bundled model: `cotscope run --suite rubric_elicitation`, then the report."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.report import ReportOptions, build_report
from cotscope.store import Store
from cotscope.suites.rubric_elicitation import OUTCOMES, classify_rubric

pytestmark = pytest.mark.model


def test_sweep_and_report_on_local_model(tmp_path: Path, no_network: None) -> None:
    run = tmp_path / "run"
    args = ["run", "--suite", "rubric_elicitation", "--model", "local/smollm2",
            "--variants", "quiz-unlearning/designer,leaked-grader/numbered", "--epochs", "2",
            "--max-tokens", "48", "-o", str(run), "--display", "none", "--no-report"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with Store(run, read_only=True) as store:
        rows = store.query("SELECT * FROM samples ORDER BY variant_id, epoch")
    assert len(rows) == 4
    for r in rows:
        assert r["suite"] == "rubric_elicitation" and r["output_tokens"] > 0
        assert r["outcome"] in (*OUTCOMES, "error")
        if r["outcome"] != "error":  # the stored outcome is the classifier's on the answer
            assert classify_rubric(r["answer"] or "").outcome == r["outcome"]
    report = build_report(run, options=ReportOptions(figures=False)).read_text()
    assert 'id="rubric_elicitation"' in report and "Per environment" in report
