"""Sweep overhead: `run_sweep` wall time against bare engine generation of the same samples.

Both sides run the same prompts, seeds, token budget and batch size on the bundled
model, in this process, with the model already loaded. Prints the ratio
sweep / bare (target <= 1.15). Bare and sweep runs alternate `--repeats` times
and the ratio of the fastest of each is reported (with the median beside it):
on a shared machine the minimum is the measurement least disturbed by others.

    python benchmarks/bench_sweep.py [--epochs 6] [--max-tokens 48] [--repeats 3]
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
    args = parser.parse_args()

    from cotscope.models import get_engine, resolve_local_model
    from cotscope.runner import plan_sweep, run_sweep
    from cotscope.spec import parse_spec
    from cotscope.suites import derive_seed

    engine = get_engine(resolve_local_model("smollm2"))

    def spec_for(out: Path) -> Any:
        return parse_spec(
            {
                "name": "bench",
                "models": [
                    {
                        "id": "smollm2",
                        "model": "local/smollm2",
                        "model_args": {"max_batch_size": args.batch},
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
            return time.perf_counter() - start, tokens

        def sweep(i: int) -> tuple[float, int]:
            run_plan = plan_sweep(spec_for(Path(tmp) / f"run{i}"))
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
    print(f"samples: {len(items)} per run ({added} stored by each sweep), {tokens} tokens (bare)")
    print(f"bare engine generation, s: {', '.join(f'{x:.1f}' for x in bare_s)}")
    print(f"cotscope sweep (Inspect, scoring, store), s: {', '.join(f'{x:.1f}' for x in sweep_s)}")
    print(
        f"ratio sweep / bare: {min(sweep_s) / min(bare_s):.2f}x fastest-to-fastest, "
        f"{statistics.median(sweep_s) / statistics.median(bare_s):.2f}x median  (target <= 1.15)"
    )


if __name__ == "__main__":
    main()
