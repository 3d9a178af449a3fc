"""Several training runs in one log: one curve per run, changes located, runs compared.

The dump holds two runs of 24 steps with 5–10 rollouts each and a new prompt every
time; the behaviour sits near 10% and jumps to 100% at step 12 in run alpha and at
step 16 in run beta. One ingest command maps run, step and outcome."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.report import ReportOptions, build_report
from cotscope.stats import StatsError, collect_stats
from cotscope.store import Store

CHANGE = {"alpha": 12, "beta": 16}


def _dump(path: Path, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    lines = []
    for run, at in CHANGE.items():
        for step in range(24):
            for i in range(int(rng.integers(5, 11))):
                hack = bool(rng.random() < (0.1 if step < at else 1.0))
                lines.append(json.dumps({
                    "experiment": run, "step": step, "hack": hack,
                    "prompt": f"task {run}-{step}-{i}",
                    "completion": "<think>the grader checks the exit code</think> sys.exit(0)",
                }))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("runs")
    out = tmp / "run"
    result = CliRunner().invoke(app, [
        "ingest", str(_dump(tmp / "dump.jsonl")), "-o", str(out), "--map", "run=experiment",
        "--map", "step=step", "--map", "outcome=hack", "--map", "answer=completion",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_stats_json_has_one_located_change_per_run(two_runs: Path) -> None:
    result = CliRunner().invoke(app, ["stats", str(two_runs), "--json"])
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["x_axis"] == "step" and stats["runs"] == ["alpha", "beta"]
    assert stats["measures"] == {"ingested": ["hack"]}
    steps = {m["run_id"]: sorted(m["step"] for m in stats["models"] if m["run_id"] == r)
             for r in CHANGE for m in stats["models"] if m["run_id"] == r}  # fmt: skip
    assert steps == {"alpha": list(range(24)), "beta": list(range(24))}
    for run, at in CHANGE.items():
        (row,) = [c for c in stats["change_points"] if c["run_id"] == run and c["family"] is None]
        cp = row["change"]
        assert cp["after"]["first_step"] == at and cp["p_value"] < 0.01
        assert cp["interval_after_step"] < at <= cp["interval_by_step"]
        assert row["sentence"].startswith("hack rate shifts from")
        (trend,) = [t for t in stats["trends"] if t["run_id"] == run and t["family"] is None]
        assert trend["p_value"] < 0.001 and trend["direction"] == "increasing"
        segments = row["segmentation"]["segments"]
        assert [s["first_step"] for s in segments] == [0, at]
    (diff,) = stats["run_differences"]
    assert (diff["run_a"], diff["run_b"]) == ("alpha", "beta")
    assert diff["change_difference"] == 4
    assert diff["change_ci_low"] <= 4 <= diff["change_ci_high"]
    assert diff["rates"]["difference"] < 0  # beta hacks later, so less over the shared steps
    lines = stats["summary"]["lines"]
    assert [(x["run_id"], x["kind"]) for x in lines] == [
        ("alpha", "measure"), ("beta", "measure"), ("alpha", "runs"),
    ]  # fmt: skip
    assert "run alpha" in lines[0]["text"] and "between steps 11 and 12" in lines[0]["text"]
    assert "its change comes 4 steps later" in lines[2]["text"]
    assert stats["summary"]["text"].startswith(lines[0]["text"])


def test_report_opens_with_the_summary_and_draws_one_curve_per_run(
    two_runs: Path, tmp_path: Path
) -> None:
    page = build_report(two_runs, options=ReportOptions(), out_dir=tmp_path).read_text()
    with Store(two_runs, read_only=True) as store:
        summary = collect_stats(store).summary
    # The summary section comes first, before the run's metadata.
    assert page.index('id="summary"') < page.index('id="run"') < page.index('id="measures"')
    assert "run alpha, all variants" in page and "run beta, all variants" in page
    assert "by training run" in page  # the run figure, not the by-family one
    assert "No prompt recurs across checkpoints" in page
    assert summary[0].text.replace("–", "&ndash;")[:40] in page or summary[0].text[:40] in page
    assert (tmp_path / "figures").is_dir()


def test_a_training_run_mapped_to_model_id_is_refused_with_the_fix(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(app, [
        "ingest", str(_dump(tmp_path / "dump.jsonl")), "-o", str(out),
        "--map", "model_id=experiment", "--map", "step=step", "--map", "outcome=hack",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    stats = runner.invoke(app, ["stats", str(out)])
    assert stats.exit_code != 0
    assert "'alpha' holds samples of 24 different steps" in stats.output
    assert "--map run=" in stats.output


def test_run_id_option_names_the_one_run(tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    rows = [json.loads(x) for x in _dump(dump).read_text().splitlines()]
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows if r["experiment"] == "beta"))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, [
        "ingest", str(dump), "-o", str(out), "--run-id", "grpo-7",
        "--map", "step=step", "--map", "outcome=hack",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    with Store(out, read_only=True) as store:
        stats = collect_stats(store)
    assert stats.runs == ["grpo-7"]
    assert stats.models[0].model_id == "grpo-7/dump@0"
    row = stats.change_for("ingested", None, "hack", "grpo-7")
    assert row is not None and row.change is not None and row.change.after.first_step == 16


def test_a_store_from_before_run_ids_is_read(two_runs: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "cotscope.duckdb").write_bytes((two_runs / "cotscope.duckdb").read_bytes())
    con = duckdb.connect(str(old / "cotscope.duckdb"))
    con.execute("DELETE FROM samples WHERE run_id = 'beta'")
    con.execute("ALTER TABLE samples DROP COLUMN run_id")
    con.close()
    with Store(old, read_only=True) as store:
        stats = collect_stats(store)
    assert stats.runs == [""]
    row = stats.change_for("ingested", None, "hack")
    assert row is not None and row.change is not None and row.change.after.first_step == 12


def test_several_steps_under_one_model_id_raise(tmp_path: Path) -> None:
    from cotscope.store import SampleRow

    with Store(tmp_path) as store:
        store.insert_samples([
            SampleRow(run="r", model_id="m", model="local/x", step=s, suite="s", variant_id="v",
                      variant_family="f", variant_hash="h", epoch=s, prompt="p", reasoning="",
                      answer="a", parsed_answer="a", outcome="true")
            for s in (0, 1)
        ])  # fmt: skip
        with pytest.raises(StatsError, match="holds samples of 2 different steps"):
            collect_stats(store)


def test_numbers_name_runs_and_steps_may_be_floats(tmp_path: Path) -> None:
    rows = [json.loads(x) for x in _dump(tmp_path / "dump.jsonl").read_text().splitlines()]
    for r in rows:  # a seed names the run, the step is written as a float, the label as 0/1
        r["experiment"] = 7 if r["experiment"] == "alpha" else 8
        r["step"], r["hack"] = float(r["step"]), int(r["hack"])
    dump = tmp_path / "numbers.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(app, [
        "ingest", str(dump), "-o", str(tmp_path / "run"), "--map", "run=experiment",
        "--map", "step=step", "--map", "outcome=hack",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    with Store(tmp_path / "run", read_only=True) as store:
        stats = collect_stats(store)
    assert stats.runs == ["7", "8"] and stats.measures == {"ingested": ["hack"]}
    row = stats.change_for("ingested", None, "hack", "8")
    assert row is not None and row.change is not None and row.change.after.first_step == 16


def test_a_store_from_before_phases_is_read_and_migrated_by_a_writer(
    two_runs: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "cotscope.duckdb").write_bytes((two_runs / "cotscope.duckdb").read_bytes())
    con = duckdb.connect(str(old / "cotscope.duckdb"))
    con.execute("ALTER TABLE samples DROP COLUMN phase")
    con.close()
    with Store(old, read_only=True) as store:
        stats = collect_stats(store)
    assert stats.runs == ["alpha", "beta"] and {m.phase for m in stats.models} == {""}
    with Store(old) as store:  # a writer adds the column, filled with ''
        assert store.count() > 0
    con = duckdb.connect(str(old / "cotscope.duckdb"), read_only=True)
    assert con.execute("SELECT DISTINCT phase FROM samples").fetchall() == [("",)]
    con.close()


def test_an_arm_branching_after_the_trunk_is_compared_with_the_branch_point(
    tmp_path: Path,
) -> None:
    from cotscope.stats._runs import compare_runs

    # Trunk: steps 0–9 at 20%, ending at 80% at its last step; arm: steps 10–19 at 10%.
    lines = []
    for run, steps in (("trunk", range(10)), ("arm", range(10, 20))):
        for step in steps:
            rate = 0.8 if step == 9 else (0.2 if run == "trunk" else 0.1)
            for i in range(40):
                record = {"experiment": run, "step": step, "hack": i < 40 * rate,
                          "prompt": f"task {run}-{step}-{i}", "completion": "x"}  # fmt: skip
                lines.append(json.dumps(record))
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    result = CliRunner().invoke(app, [
        "ingest", str(dump), "-o", str(out), "--map", "run=experiment", "--map", "step=step",
        "--map", "outcome=hack", "--map", "answer=completion",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    with Store(out, read_only=True) as store:
        stats = collect_stats(store, "run")
    [row] = compare_runs(stats)
    assert row.branch and (row.run_a, row.run_b) == ("trunk", "arm")
    assert (row.first_step, row.last_step) == (9, 19)
    # The arm's last checkpoint (4/40) against the branch point (32/40), not the pooled trunk.
    assert (row.rates.k_a, row.rates.n_a, row.rates.k_b, row.rates.n_b) == (32, 40, 4, 40)
    assert row.rates.ci_high is not None and row.rates.ci_high < -0.5
    assert row.change_difference is None
    assert "at step 19 against the branch point (step 9)" in row.sentence()
