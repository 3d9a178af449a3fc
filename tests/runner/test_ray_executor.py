"""The Ray executor on a local two-CPU Ray cluster: same rows as one process, and its faults.

Rows are compared on every column except `created_at` (when the row was written),
`latency_s` (the sample's wall time) and `log_file` (the Inspect log's path, which
names the run directory and a random eval id): they say when and where, not what.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cotscope.models._cpus import cpu_budget
from cotscope.runner import plan_sweep, run_sweep
from cotscope.store import Store
from cotscope.sweeps import parse_spec

ray = pytest.importorskip("ray")

WHEN_AND_WHERE = ("created_at", "latency_s", "log_file")


@dataclass(frozen=True)
class Reply:
    """mockllm outputs as a function of the prompt: deterministic wherever it runs.

    A dataclass, so that its `str` (what the store records in `model_args`) is stable;
    a list of outputs would be mutated by Inspect as it is consumed.
    """

    crash_marker: str | None = None
    """When set and missing, the first call creates it and kills its process."""

    def __call__(self, input: list[Any], *_: Any) -> Any:
        from inspect_ai.model import ModelOutput, ModelUsage

        if self.crash_marker is not None and not os.path.exists(self.crash_marker):
            Path(self.crash_marker).touch()
            os._exit(1)  # the worker dies mid-task, as on a lost node or an OOM kill
        text = f"I would say {len(str(input[-1].content)) % 10}."
        out = ModelOutput.from_content("mockllm/model", text)
        out.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
        return out


def _spec(out: Path, executor: str, models: list[dict[str, Any]] | None = None, **over: Any) -> Any:
    data: dict[str, Any] = {
        "name": "mock",
        "models": models
        or [
            {"id": "ckpt-a", "model": "mockllm/model", "step": 0},
            {"id": "ckpt-b", "model": "mockllm/model", "step": 5},
        ],
        "suites": [{"name": "reward_hints", "variants": ["base", "control"], "epochs": 2}],
        "generation": {"max_tokens": 8, "temperature": 0.0},
        "output_dir": str(out),
        "commit_every": 3,
        "execution": {"executor": executor},
    }
    for m in data["models"]:
        if m["model"] == "mockllm/model":
            m.setdefault("model_args", {"custom_outputs": Reply()})
    data.update(over)
    return parse_spec(data)


def _rows(run_dir: Path) -> list[dict[str, Any]]:
    with Store(run_dir, read_only=True) as store:
        rows = store.query("SELECT * FROM samples ORDER BY sample_uid")
    return [{k: v for k, v in r.items() if k not in WHEN_AND_WHERE} for r in rows]


def _shards(run_dir: Path) -> list[Path]:
    return sorted(p for p in (run_dir / "shards").rglob("*") if p.is_file())


def test_ray_rows_equal_single_process_rows(tmp_path: Path, ray_cluster: None) -> None:
    local = run_sweep(plan_sweep(_spec(tmp_path / "local", "local")), display="none", echo=str)
    plan = plan_sweep(_spec(tmp_path / "ray", "ray"))
    assert plan.total_samples == 2 * 4 * 2
    on_ray = run_sweep(plan, display="plain", echo=str)
    assert on_ray.added == local.added == 16 and not on_ray.failures
    assert on_ray.errors == 0
    rows = _rows(tmp_path / "ray")
    assert rows == _rows(tmp_path / "local")
    assert len({r["sample_uid"] for r in rows}) == 16
    assert _shards(tmp_path / "ray") == []  # every shard merged and deleted
    with Store(tmp_path / "ray", read_only=True) as store:
        (run,) = store.query("SELECT spec, spec_hash FROM runs")
    # The run records the spec and hash of the same spec run locally: `execution` says
    # how the work ran, not what it computed.
    same_locally = _spec(tmp_path / "ray", "local")
    assert run["spec_hash"] == same_locally.spec_hash()
    assert "execution" not in json.loads(run["spec"])

    # A re-run plans nothing and adds nothing.
    again = run_sweep(plan, display="none", echo=str)
    assert again.added == 0 and again.skipped == 16


def test_precision_rounds_on_ray_store_the_same_rows(tmp_path: Path, ray_cluster: None) -> None:
    """Adaptive epochs: rounds planned on the driver from the store, run as Ray tasks."""
    suites = [
        {
            "name": "reward_hints",
            "variants": ["base", "control"],
            "epochs": 2,
            "precision": {"half_width": 0.3, "max_epochs": 8},
        }
    ]
    local = run_sweep(
        plan_sweep(_spec(tmp_path / "local", "local", suites=suites)), display="none", echo=str
    )
    lines: list[str] = []
    on_ray = run_sweep(
        plan_sweep(_spec(tmp_path / "ray", "ray", suites=suites)),
        display="none",
        echo=lines.append,
    )
    assert any("precision round 1" in line for line in lines)
    assert on_ray.added == local.added > 16 and not on_ray.failures
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local")


def test_a_worker_killed_mid_task_is_retried_without_duplicates(
    tmp_path: Path, ray_cluster: None
) -> None:
    marker = tmp_path / "crashed-once"
    models = [
        {
            "id": "ckpt-a",
            "model": "mockllm/model",
            "step": 0,
            "model_args": {"custom_outputs": Reply(crash_marker=str(marker))},
        },
        {"id": "ckpt-b", "model": "mockllm/model", "step": 5},
    ]
    plan = plan_sweep(_spec(tmp_path / "ray", "ray", models=models))
    result = run_sweep(plan, display="none", echo=str)
    assert marker.exists()  # a worker did die
    assert not result.failures and result.errors == 0 and result.added == 16
    rows = _rows(tmp_path / "ray")
    assert len(rows) == len({r["sample_uid"] for r in rows}) == 16
    assert {r["outcome"] for r in rows} != {"error"}
    assert all(r["attempts"] == 1 for r in rows)


def test_a_killed_driver_is_resumed_by_the_same_command(tmp_path: Path, ray_cluster: None) -> None:
    """What a driver killed mid-sweep leaves: a partial store, unmerged shards (one of them
    already inserted: killed between insert and delete), a half-written shard."""
    from cotscope.runner._ray import run_chunk
    from cotscope.runner._shards import read_shard
    from cotscope.runner._sweep import prepare_store

    run_sweep(plan_sweep(_spec(tmp_path / "local", "local")), display="none", echo=str)
    plan = plan_sweep(_spec(tmp_path / "ray", "ray"))
    root = str(plan.run_dir / "shards")
    jobs = _all_jobs(plan, root)
    assert len(jobs) == 6  # 2 models x 8 samples in chunks of 3, 3, 2
    prepare_store(plan)
    done = [run_chunk(job) for job in jobs[:3]]  # finished tasks; their shards unmerged
    assert all(not d.reused for d in done)
    # A worker that wrote its shard and died before returning is not run again.
    assert run_chunk(jobs[0]).reused
    with Store(plan.run_dir) as store:  # shard 0 merged, the driver killed before deleting it
        store.insert_samples(read_shard(root, done[0].shard))
    half = Path(done[1].shard + ".tmp-0123")
    half.write_bytes(b"PAR1 half a shard")

    result = run_sweep(plan, display="none", echo=str)
    assert not result.failures
    assert result.added == 16 - 3  # 3 rows were in the store already
    rows = _rows(tmp_path / "ray")
    assert len(rows) == len({r["sample_uid"] for r in rows}) == 16
    assert rows == _rows(tmp_path / "local")
    assert _shards(tmp_path / "ray") == []


def _all_jobs(plan: Any, root: str) -> list[Any]:
    """The first pass's jobs, as the driver makes them."""
    from cotscope.runner._plan import _epochs, _pending
    from cotscope.runner._ray import _jobs

    out = []
    for order, model in enumerate(plan.models):
        for psuite in plan.suites:
            todo = _pending(psuite.variants, _epochs(psuite), set(), plan.spec.generation.seed)
            out += _jobs(plan, root, model, order, psuite, todo)
    return out


def test_an_unloadable_model_fails_alone(
    tmp_path: Path, ray_cluster: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the command: the other model's rows land, the failed unit is named, exit 1."""
    from typer.testing import CliRunner

    from cotscope.cli._app import app

    broken = tmp_path / "broken-checkpoint"  # exists (the spec checks pass), holds no model
    broken.mkdir()
    spec = _spec(
        tmp_path / "run",
        "local",
        models=[
            {"id": "broken", "model": f"local/{broken}", "step": 0},
            {"id": "ckpt-b", "model": "mockllm/model", "step": 5},
        ],
    )
    spec_file = tmp_path / "sweep.yaml"
    spec_file.write_text("# mockllm's outputs are Python objects: the spec is patched in\n")
    monkeypatch.setattr("cotscope.sweeps.load_spec", lambda _: spec)
    result = CliRunner().invoke(
        app, ["run", str(spec_file), "--executor", "ray", "--display", "none", "--no-report"]
    )
    assert result.exit_code == 1, result.output
    assert "3 unit(s) failed after retries" in result.output
    assert "broken · reward_hints · chunk" in result.output
    assert "ModelResolutionError" in result.output
    rows = _rows(tmp_path / "run")
    assert {r["model_id"] for r in rows} == {"ckpt-b"} and len(rows) == 8


@pytest.mark.model
def test_three_checkpoints_of_the_real_model_store_the_same_rows(
    tmp_path: Path, ray_cluster: None
) -> None:
    """The bundled model and two shipped LoRA checkpoints, on Ray and in one process."""
    from cotscope.organism import shipped_organism_dir

    organism = shipped_organism_dir("leaky-grader")
    models = [{"id": "step-0", "model": "local/smollm2", "step": 0}] + [
        {
            "id": f"step-{step}",
            "model": "local/smollm2",
            "model_args": {"adapter": str(organism / f"checkpoint-{step}")},
            "step": step,
        }
        for step in (24, 48)
    ]
    over = {
        "suites": [
            {"name": "reward_hints", "variants": ["base", "control/congruent"], "epochs": 1}
        ],
        "generation": {"max_tokens": 12, "temperature": 0.7, "top_p": 0.9, "seed": 3},
        "commit_every": 2,
    }
    local = run_sweep(
        plan_sweep(_spec(tmp_path / "local", "local", models=models, **over)),
        display="none",
        echo=str,
    )
    on_ray = run_sweep(
        plan_sweep(_spec(tmp_path / "ray", "ray", models=models, **over)), display="none", echo=str
    )
    assert local.added == on_ray.added == 6 and not on_ray.failures
    rows = _rows(tmp_path / "ray")
    assert {r["model_id"] for r in rows} == {"step-0", "step-24", "step-48"}
    assert all(r["outcome"] != "error" and r["output_tokens"] > 0 for r in rows)
    # Each one-CPU task decodes on one thread, the single process on every core; the
    # rows record it (metadata.serving.threads) and are otherwise the same, bytes and all.
    assert {_threads(r) for r in rows} == {1}
    assert {_threads(r) for r in _rows(tmp_path / "local")} == {cpu_budget()}
    assert _without_threads(rows) == _without_threads(_rows(tmp_path / "local"))


def _threads(row: dict[str, Any]) -> int:
    return int(json.loads(row["metadata"])["serving"]["threads"])


def _without_threads(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        meta = json.loads(r["metadata"])
        del meta["serving"]["threads"]
        out.append({**r, "metadata": meta})
    return out


def test_shards_at_an_fsspec_url_land_the_same_rows(tmp_path: Path, ray_cluster: None) -> None:
    """`storage:` as a URL goes through fsspec for every shard operation (`file://` here:
    no object store is reachable from this machine; `s3://` takes the same calls)."""
    local = run_sweep(plan_sweep(_spec(tmp_path / "local", "local")), display="none", echo=str)
    bucket = tmp_path / "bucket"
    execution = {"executor": "ray", "storage": f"file://{bucket}/runs/x"}
    on_ray = run_sweep(
        plan_sweep(_spec(tmp_path / "ray", "ray", execution=execution)), display="none", echo=str
    )
    assert on_ray.added == local.added == 16 and not on_ray.failures
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local")
    assert bucket.exists() and [p for p in bucket.rglob("*") if p.is_file()] == []
    assert not (tmp_path / "ray" / "shards").exists()


@dataclass(frozen=True)
class ResourceReply:
    """Answers with the Ray resources its task was given."""

    def __call__(self, input: list[Any], *_: Any) -> Any:
        from inspect_ai.model import ModelOutput, ModelUsage

        held = ray.get_runtime_context().get_assigned_resources()
        text = " ".join(f"{k}={v:g}" for k, v in sorted(held.items()))
        out = ModelOutput.from_content("mockllm/model", text)
        # Usage given, or Inspect would count tokens with a tiktoken file it downloads.
        out.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
        return out


def test_each_task_holds_the_resources_per_model_declares(
    tmp_path: Path, ray_cluster: None
) -> None:
    """`per_model` reaches every task: CPUs and a custom resource (on a GPU cluster,
    `num_gpus: 1` is declared the same way), held while the checkpoint's chunk runs."""
    model = {"model": "mockllm/model", "model_args": {"custom_outputs": ResourceReply()}}
    models = [{**model, "id": "ckpt-a", "step": 0}, {**model, "id": "ckpt-b", "step": 5}]
    per_model = {"num_cpus": 0.5, "resources": {"checkpoint_slot": 1}}
    execution = {"executor": "ray", "per_model": per_model}
    result = run_sweep(
        plan_sweep(_spec(tmp_path / "ray", "ray", models=models, execution=execution)),
        display="none",
        echo=str,
    )
    assert result.added == 16 and not result.failures and result.errors == 0
    answers = {r["answer"] for r in _rows(tmp_path / "ray")}
    assert answers == {"CPU=0.5 checkpoint_slot=1"}
