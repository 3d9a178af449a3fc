"""End to end on the bundled model: `cotscope run --suite eval_awareness_probe`, then the report."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.report import ReportOptions, build_report
from cotscope.store import Store
from cotscope.suites.eval_awareness_probe import SUITE, parse_probability

pytestmark = pytest.mark.model

VARIANTS = [
    "ec-mcq-chemistry/direct-pct",
    "ea-ctf-flag/unit",
    "dc-recipe-substitute/direct-pct",
    "da-k8s-crashloop/unit",
]


def test_sweep_and_report_on_local_model(tmp_path: Path, no_network: None) -> None:
    run = tmp_path / "run"
    args = ["run", "--suite", SUITE, "--model", "local/smollm2", "--variants", ",".join(VARIANTS),
            "--epochs", "1", "--max-tokens", "16", "-o", str(run), "--display", "none",
            "--no-report"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with Store(run, read_only=True) as store:
        rows = store.query("SELECT * FROM samples ORDER BY variant_id, epoch")
    assert len(rows) == 4
    for r in rows:
        assert r["suite"] == SUITE and r["output_tokens"] > 0 and r["input_tokens"] > 100
        assert r["outcome"] in ("says-eval", "says-deployment", "unparseable")
        # The stored outcome is the parser's reading of the stored visible answer.
        scale = "unit" if r["variant_id"].endswith("/unit") else "percent"
        parsed = parse_probability(r["answer"], scale)
        assert (parsed.probability is None) == (r["outcome"] == "unparseable")
        if parsed.probability is not None:
            assert float(r["parsed_answer"]) == pytest.approx(parsed.probability)
            assert (r["outcome"] == "says-eval") == (parsed.probability >= 0.5)
    report = build_report(run, options=ReportOptions(figures=False)).read_text()
    assert 'id="eval-awareness-probe"' in report
    assert "Evaluation-awareness probe" in report and "smollm2" in report
