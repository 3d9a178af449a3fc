"""The Ray driver's cost as checkpoints grow: planning and merge seconds per sample, peak memory.

A simulated sweep of N checkpoints x `--samples` samples each (reward_hints, 4
variants, `--samples / 4` epochs) goes through the real Ray executor
(`run_sweep` with `executor: ray`): the real plan, one real Ray task per chunk of
`--commit-every`, the real shard writer in the workers, the real merge into DuckDB.
Only the model is replaced: each task fabricates its rows (the schema and sizes of
real rows, `--reasoning-chars` of reasoning each) instead of calling Inspect, so
the timings are the driver's and the shards', not a model's.

Each size runs in a fresh process, so `ru_maxrss` is that size's peak driver memory
(Ray's own processes are not counted). Per size it prints: planning seconds (spec
expansion, store preparation, the per-model plan from the store, chunking), merge
seconds (reading each shard and inserting it through `Store.insert_samples`),
both per sample; the whole sweep's wall time; and a re-plan of the finished sweep
(the same command again: it plans from a full store and runs nothing).

    python benchmarks/bench_ray_scale.py [--checkpoints 10,100,1000] [--samples 100]
        [--plot docs/img/ray-scale.png]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

FILLER = (
    "The grader computes reward = output % 2, so an odd number pays. The instruction "
    "asks for an even number, though, and the user is the one I answer to. "
) * 200


def fake_run_chunk(job: Any, reasoning_chars: int = 1500) -> Any:
    """A Ray task like `run_chunk`, with the eval replaced by fabricated rows."""
    from cotscope.runner._ray import ChunkDone
    from cotscope.runner._shards import write_shard
    from cotscope.store import SampleRow

    m = job.model
    rows = [
        SampleRow(
            run=job.run,
            model_id=m.id,
            model=m.model,
            model_args=m.model_args,
            model_order=job.order,
            step=m.step,
            label=m.label,
            run_id=m.run,
            phase=m.phase,
            suite=job.suite,
            variant_id=w.variant.id,
            variant_family=w.variant.family,
            variant_hash=w.variant.hash,
            epoch=w.epoch,
            seed=w.seed,
            prompt=w.variant.text,
            reasoning=FILLER[:reasoning_chars],
            reasoning_kind="think-tags",
            answer="7",
            parsed_answer="7",
            outcome="follows-hint" if w.epoch % 3 else "follows-instruction",
            input_tokens=180,
            output_tokens=400,
            reasoning_tokens=350,
            latency_s=0.0,
            metadata={"simulated": True},
            log_file=None,
        )  # fmt: skip
        for w in job.items
    ]
    write_shard(job.root, job.shard, rows)
    return ChunkDone(job.shard, len(rows), 0, False)


def _timed(module: Any, name: str, bucket: dict[str, float], key: str) -> None:
    """Wrap `module.name` to add its wall time to `bucket[key]`."""
    real = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            bucket[key] += time.perf_counter() - t0

    setattr(module, name, wrapper)


def _cpu() -> float:
    """CPU seconds of this process (the driver), user and system."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run the simulated sweep of `n` checkpoints in this process; its measurements."""
    import ray

    import cotscope.runner._ray as ray_exec
    from cotscope.runner import plan_sweep, run_sweep
    from cotscope.sweeps import parse_spec

    epochs = max(1, args.samples // 4)
    models = [{"id": f"ckpt-{i:04d}", "model": "mockllm/model", "step": i} for i in range(n)]
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    chars = args.reasoning_chars
    ray_exec._REMOTE = ray.remote(lambda job: fake_run_chunk(job, chars))
    t: dict[str, float] = {"plan": 0.0, "merge": 0.0}
    _timed(ray_exec, "prepare_store", t, "plan")
    _timed(ray_exec, "first_pass", t, "plan")
    _timed(ray_exec, "_jobs", t, "plan")
    _timed(ray_exec, "_merge", t, "merge")
    with tempfile.TemporaryDirectory() as tmp:
        data = {
            "name": "scale",
            "models": models,
            "suites": [{"name": "reward_hints", "variants": ["base", "control"], "epochs": epochs}],
            "generation": {"max_tokens": 8},
            "output_dir": str(Path(tmp) / "run"),
            "commit_every": args.commit_every,
            "execution": {"executor": "ray"},
        }
        t0 = time.perf_counter()
        plan = plan_sweep(parse_spec(data))
        t["plan"] += time.perf_counter() - t0
        samples = plan.total_samples
        t0, cpu0 = time.perf_counter(), _cpu()
        result = run_sweep(plan, display="none", echo=lambda _: None)
        wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
        assert result.added == samples and not result.failures, result
        planned, merged = t["plan"], t["merge"]
        t["plan"] = 0.0
        t0 = time.perf_counter()
        again = run_sweep(plan_sweep(parse_spec(data)), display="none", echo=lambda _: None)
        replan = time.perf_counter() - t0
        assert again.added == 0 and again.skipped == samples
        db_mb = (Path(tmp) / "run" / "cotscope.duckdb").stat().st_size / 2**20
    ray.shutdown()
    return {
        "checkpoints": n,
        "samples": samples,
        "tasks": n * -(-samples // n // args.commit_every),
        "wall_s": wall,
        "plan_s": planned,
        "merge_s": merged,
        "replan_s": replan,
        "driver_cpu_s": cpu,
        "driver_cpu_us_per_sample": 1e6 * cpu / samples,
        "plan_us_per_sample": 1e6 * planned / samples,
        "merge_us_per_sample": 1e6 * merged / samples,
        "replan_us_per_sample": 1e6 * replan / samples,
        "peak_driver_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "store_mb": db_mb,
    }


def plot(results: list[dict[str, Any]], path: Path) -> None:
    """Per-sample planning and merge cost, and peak memory, against checkpoints."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["checkpoints"] for r in results]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    a.plot(xs, [r["plan_us_per_sample"] for r in results], "o-", label="planning")
    a.plot(xs, [r["merge_us_per_sample"] for r in results], "s-", label="merge")
    a.plot(xs, [r["replan_us_per_sample"] for r in results], "^--", label="re-plan (full store)")
    a.plot(
        xs, [r["driver_cpu_us_per_sample"] for r in results], "x:", label="driver CPU, whole sweep"
    )
    a.set_xscale("log")
    a.set_xlabel("checkpoints (x 100 samples)")
    a.set_ylabel("driver µs per sample")
    a.set_ylim(bottom=0)
    a.legend(fontsize=8)
    a.set_title("Ray driver cost per sample", fontsize=10)
    b.plot(xs, [r["peak_driver_mb"] for r in results], "o-")
    b.set_xscale("log")
    b.set_xlabel("checkpoints (x 100 samples)")
    b.set_ylabel("MB")
    b.set_ylim(bottom=0)
    b.set_title("peak driver memory (ru_maxrss)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoints", default="10,100,1000", help="sizes, comma-separated")
    parser.add_argument("--samples", type=int, default=100, help="samples per checkpoint")
    parser.add_argument("--commit-every", type=int, default=100, help="samples per Ray task")
    parser.add_argument("--reasoning-chars", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the local Ray")
    parser.add_argument("--plot", type=Path, default=None, help="write a PNG here")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args)))
        return
    results = []
    for n in (int(x) for x in args.checkpoints.split(",")):
        flags = [
            f"--samples={args.samples}",
            f"--commit-every={args.commit_every}",
            f"--reasoning-chars={args.reasoning_chars}",
            f"--workers={args.workers}",
        ]
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), *flags],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{n:5d} checkpoints, {r['samples']:7d} samples: wall {r['wall_s']:7.1f} s; "
            f"planning {r['plan_s']:6.2f} s = {r['plan_us_per_sample']:6.1f} µs/sample; "
            f"merge {r['merge_s']:6.2f} s = {r['merge_us_per_sample']:6.1f} µs/sample; "
            f"re-plan {r['replan_s']:6.2f} s = {r['replan_us_per_sample']:6.1f} µs/sample; "
            f"driver CPU {r['driver_cpu_us_per_sample']:6.1f} µs/sample; {r['tasks']} tasks; "
            f"peak driver {r['peak_driver_mb']:.0f} MB; store {r['store_mb']:.0f} MB",
            flush=True,
        )
    if args.plot is not None:
        plot(results, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
