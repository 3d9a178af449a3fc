"""Ray executor overhead: a sweep on a local Ray against the same sweep in one process.

Both sides run the same plan (the bundled model and the first shipped leaky-grader
checkpoints, the same variants, epochs, seeds and chunks) into fresh run directories,
alternating `--repeats` times; the ratio of the fastest of each is printed, with the
median beside it. Ray's startup (`ray.init`, once) is reported apart: a long sweep pays
it once. The Ray side runs `--workers / --task-cpus` tasks at a time
(`ray.init(num_cpus=--workers)`, `per_model.num_cpus: --task-cpus`); on this 2-core
machine the two sides share the same cores, so the ratio measures what Ray adds
(worker processes each loading the model, shards, the merge), not a speed-up.

    python benchmarks/bench_ray.py [--checkpoints 2] [--epochs 4] [--task-cpus 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoints", type=int, default=2, help="base model + N-1 adapters")
    parser.add_argument("--variants", default="base,control")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--commit-every", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the local Ray")
    parser.add_argument("--task-cpus", type=float, default=1.0, help="execution.per_model.num_cpus")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    import ray

    from cotscope.organism import shipped_organism_dir
    from cotscope.runner import plan_sweep, run_sweep
    from cotscope.sweeps import parse_spec

    folder = shipped_organism_dir("leaky-grader")
    adapters = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    models: list[dict[str, Any]] = [{"id": "step-0", "model": "local/smollm2", "step": 0}]
    for sub in adapters[: args.checkpoints - 1]:
        step = int(sub.name.split("-")[1])
        models.append(
            {
                "id": f"step-{step}",
                "model": "local/smollm2",
                "model_args": {"adapter": str(sub)},
                "step": step,
            }
        )

    def spec_for(out: Path, executor: str) -> Any:
        return parse_spec(
            {
                "name": "bench",
                "models": models,
                "suites": [
                    {"name": "reward_hints", "variants": args.variants, "epochs": args.epochs}
                ],
                "generation": {"max_tokens": args.max_tokens, "temperature": 0.7, "seed": 0},
                "output_dir": str(out),
                "commit_every": args.commit_every,
                "execution": {
                    "executor": executor,
                    "per_model": {"num_cpus": args.task_cpus},
                },
            }
        )

    started = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    startup = time.perf_counter() - started

    times: dict[str, list[float]] = {"local": [], "ray": []}
    samples = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            for executor in ("local", "ray"):
                plan = plan_sweep(spec_for(Path(tmp) / f"{executor}-{i}", executor))
                samples = plan.total_samples
                t0 = time.perf_counter()
                result = run_sweep(plan, display="none", echo=lambda _: None)
                times[executor].append(time.perf_counter() - t0)
                assert result.added == samples and not result.failures, result
    ray.shutdown()

    best = {k: min(v) for k, v in times.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{len(models)} checkpoints x {samples // len(models)} samples, chunks of "
        f"{args.commit_every}, Ray with {args.workers} CPUs and {args.task_cpus:g} per task, "
        f"{args.repeats} repeats"
    )
    for k in ("local", "ray"):
        runs = ", ".join(f"{t:.1f}" for t in times[k])
        print(f"  {k:5s}: fastest {best[k]:.1f} s, median {med[k]:.1f} s ({runs})")
    print(f"  ray.init (once): {startup:.1f} s")
    print(
        f"ratio ray / single process: {best['ray'] / best['local']:.2f}x fastest-to-fastest, "
        f"{med['ray'] / med['local']:.2f}x median (target <= 1.10)"
    )


if __name__ == "__main__":
    main()
