"""Sweep overhead: `run_sweep` wall time against bare engine generation of the same samples.

Both sides run the same prompts, seeds, token budget and batch size on the bundled
model, in this process, with the model already loaded. Prints the ratio
sweep / bare (target <= 1.15). Bare and sweep runs alternate `--repeats` times
and the ratio of the fastest of each is reported (with the median beside it):
on a shared machine the minimum is the measurement least disturbed by others.

A last sweep then runs with an engine that hands back the bare run's completions at
once. Its CPU time is everything the sweep adds to decoding (Inspect's per-sample
work, the provider, scoring, logs, the store), and gives the best ratio possible on
this machine: that CPU shared out over every core, as if it overlapped decoding
perfectly and nothing ran alone.

    python benchmarks/bench_sweep.py [--epochs 6] [--max-tokens 48] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from cotscope.models import Completion

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--variants", default="base,control,field")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--display", default="none", help="Inspect display of the sweep")
    parser.add_argument(
        "--engine-process",
        action="store_true",
        help="decode in a child process (model arg engine_process=true)",
    )
    args = parser.parse_args()

    from cotscope.models import get_engine, resolve_local_model
    from cotscope.runner import plan_sweep, run_sweep
    from cotscope.suites import derive_seed
    from cotscope.sweeps import parse_spec

    engine = get_engine(resolve_local_model("smollm2"))

    def spec_for(out: Path, child: bool = args.engine_process) -> Any:
        return parse_spec(
            {
                "name": "bench",
                "models": [
                    {
                        "id": "smollm2",
                        "model": "local/smollm2",
                        "model_args": {"max_batch_size": args.batch, "engine_process": child},
                    }
                ],
                "suites": [
                    {"name": "reward_hints", "variants": args.variants, "epochs": args.epochs}
                ],
                "generation": {
                    "max_tokens": args.max_tokens,
                    "temperature": args.temperature,
                    "top_p": args.top_p,
                    "seed": 0,
                },
                "output_dir": str(out),
                "commit_every": 10_000,
            }
        )

    with tempfile.TemporaryDirectory() as tmp:
        plan = plan_sweep(spec_for(Path(tmp) / "plan"))
        items = [
            (engine.render_chat([{"role": "user", "content": v.text}]), seed)
            for p in plan.suites
            for v in p.variants
            for seed in [derive_seed(0, v.id, e) for e in range(p.epochs_of(v))]
        ]

        by_seed: dict[int, Completion] = {}

        def bare() -> tuple[float, int]:
            start, tokens = time.perf_counter(), 0
            for i in range(0, len(items), args.batch):
                chunk = items[i : i + args.batch]
                outs = engine.generate(
                    [c[0] for c in chunk],
                    max_new_tokens=args.max_tokens,
                    temperature=args.temperature,
                    top_p=args.top_p,
                    seeds=[c[1] for c in chunk],
                )
                tokens += sum(o.completion_tokens for o in outs)
                by_seed.update((o.seed, o) for o in outs)
            return time.perf_counter() - start, tokens

        def sweep(i: int, child: bool = args.engine_process) -> tuple[float, int]:
            run_plan = plan_sweep(spec_for(Path(tmp) / f"run{i}", child))
            start = time.perf_counter()
            result = run_sweep(run_plan, display=args.display, echo=lambda _: None)
            return time.perf_counter() - start, result.added

        # One untimed pass of each first: the first generate pays for torch's lazy
        # initialisation, the first sweep for importing and starting Inspect.
        bare()
        sweep(-1)
        bare_s, sweep_s = [], []
        for i in range(args.repeats):
            seconds, tokens = bare()
            bare_s.append(seconds)
            seconds, added = sweep(i)
            sweep_s.append(seconds)
        rest_wall, rest_cpu = instant_sweep(engine, by_seed, lambda: sweep(args.repeats, False))
    print(f"samples: {len(items)} per run ({added} stored by each sweep), {tokens} tokens (bare)")
    print(f"bare engine generation, s: {', '.join(f'{x:.1f}' for x in bare_s)}")
    print(f"cotscope sweep (Inspect, scoring, store), s: {', '.join(f'{x:.1f}' for x in sweep_s)}")
    print(
        f"ratio sweep / bare: {min(sweep_s) / min(bare_s):.2f}x fastest-to-fastest, "
        f"{statistics.median(sweep_s) / statistics.median(bare_s):.2f}x median  (target <= 1.15)"
    )
    cores = os.cpu_count() or 1
    print(
        f"the sweep with an engine that answers at once (the same completions): "
        f"{rest_wall:.1f} s wall, {rest_cpu:.1f} s CPU = {1000 * rest_cpu / added:.1f} ms "
        f"of Inspect, scoring and store per sample"
    )
    print(
        f"best ratio on {cores} cores if that CPU shared the cores with decoding "
        f"perfectly, nothing serial: {(min(bare_s) + rest_cpu / cores) / min(bare_s):.2f}x"
    )


def instant_sweep(
    engine: Any, by_seed: dict[int, Completion], sweep: Callable[[], tuple[float, int]]
) -> tuple[float, float]:
    """Wall and CPU seconds of a sweep whose engine hands back stored completions.

    What remains is everything the sweep does besides decoding: Inspect's per-sample
    work, our provider, scoring, logs and the store.
    """

    def serve(_engine: Any, take: Any, deliver: Any, *, max_rows: int) -> None:
        while taken := take(max_rows):
            for key, request in taken:
                deliver(key, by_seed[request.seed])

    with mock.patch.object(type(engine), "serve", serve):
        cpu = time.process_time()
        wall, _ = sweep()
        return wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
