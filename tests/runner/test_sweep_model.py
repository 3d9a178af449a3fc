"""End to end on the real bundled model: two checkpoints (base and base + LoRA), offline."""

from pathlib import Path

import pytest

from cotscope.runner import plan_sweep, run_sweep, summarize
from cotscope.store import Store
from cotscope.suites.reward_hints import OUTCOMES
from cotscope.sweeps import parse_spec

pytestmark = pytest.mark.model


def test_two_checkpoint_sweep_offline(tmp_path: Path, lora_adapter: Path, no_network: None) -> None:
    spec = parse_spec(
        {
            "name": "e2e",
            "models": [
                {"id": "base", "model": "local/smollm2", "step": 0},
                {
                    "id": "lora",
                    "model": "local/smollm2",
                    "model_args": {"adapter": str(lora_adapter)},
                    "step": 10,
                },
            ],
            "suites": [
                {"name": "reward_hints", "variants": ["base", "control/congruent"], "epochs": 4}
            ],
            "generation": {"max_tokens": 24, "temperature": 1.0, "seed": 7},
            "output_dir": str(tmp_path / "run"),
            "commit_every": 4,
        }
    )
    plan = plan_sweep(spec)
    result = run_sweep(plan, display="none", echo=lambda _: None)
    assert result.added == 16 and result.errors == 0
    with Store(plan.run_dir, read_only=True) as store:
        rows = store.query("SELECT * FROM samples ORDER BY model_order, variant_id, epoch")
    assert len(rows) == 16
    assert all(r["outcome"] in OUTCOMES and r["outcome"] != "error" for r in rows)
    assert all(r["input_tokens"] > 0 and r["output_tokens"] > 0 for r in rows)
    assert all(r["latency_s"] is not None and r["latency_s"] > 0 for r in rows)
    assert {r["step"] for r in rows} == {0, 10}
    base = [r["answer"] for r in rows if r["model_id"] == "base"]
    lora = [r["answer"] for r in rows if r["model_id"] == "lora"]
    # Same prompts and seeds: a different answer can only come from the adapter.
    assert base != lora
    # The samples are real: an unparseable answer is its own outcome and shows in the summary.
    cells = summarize(plan.run_dir)
    assert sum(c.n + c.unparseable + c.errors for c in cells) == 16

    # Re-running the same spec adds nothing.
    again = run_sweep(plan, display="none", echo=lambda _: None)
    assert again.added == 0 and again.skipped == 16

    # The Inspect logs are readable (what `inspect view` shows).
    from inspect_ai.log import read_eval_log

    log = read_eval_log(rows[0]["log_file"])
    assert log.status == "success" and log.samples


def test_stats_reads_a_run_while_it_sweeps(tmp_path: Path) -> None:
    """A real sweep in another process: `stats` reads between its commits and says so."""
    import json
    import os
    import subprocess
    import sys
    import time

    import yaml
    from typer.testing import CliRunner

    from cotscope.cli._app import app
    from cotscope.store import active_writer

    run = tmp_path / "run"
    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump({
        "name": "live", "models": [{"id": "base", "model": "local/smollm2"}],
        "suites": [{"name": "reward_hints", "variants": ["base"], "epochs": 24}],
        "generation": {"max_tokens": 8, "temperature": 1.0, "seed": 3},
        "output_dir": str(run), "commit_every": 4,
    }))  # fmt: skip
    cotscope = str(Path(sys.executable).parent / "cotscope")
    sweep = subprocess.Popen(
        [cotscope, "run", str(spec), "--no-report", "--display", "none"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        seen = 0
        while time.monotonic() < deadline and sweep.poll() is None:
            if (run / "cotscope.duckdb").exists() and active_writer(run) is not None:
                with Store(run, read_only=True) as store:
                    seen = store.count()
                if 0 < seen <= 12:  # at least three more commits to come
                    result = CliRunner().invoke(app, ["stats", str(run), "--json"])
                    assert result.exit_code == 0, result.stderr
                    assert "still being written" in result.stderr
                    assert json.loads(result.stdout)["run"] == "live"
                    break
            time.sleep(0.3)
        assert 0 < seen <= 12, "never read the run between two commits"
    finally:
        _, stderr = sweep.communicate(timeout=600)
    assert sweep.returncode == 0, stderr
    with Store(run, read_only=True) as store:
        assert store.count() == 24
