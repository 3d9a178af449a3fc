"""Sweep overhead: `run_sweep` wall time against bare engine generation of the same samples.

Both sides run the same prompts, seeds, token budget and batch size on the bundled
model, in this process, with the model already loaded. Prints the ratio
sweep / bare (target <= 1.15). The bare side is measured before and after the
sweep and averaged, since this machine's load drifts.

    python benchmarks/bench_sweep.py [--epochs 6] [--max-tokens 48]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--variants", default="base,control,field")
    args = parser.parse_args()

    from cotscope.models import get_engine, resolve_local_model
    from cotscope.runner import plan_sweep, run_sweep
    from cotscope.spec import parse_spec
    from cotscope.suites import derive_seed

    engine = get_engine(resolve_local_model("smollm2"))
    with tempfile.TemporaryDirectory() as tmp:
        spec = parse_spec(
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
                "generation": {"max_tokens": args.max_tokens, "temperature": 1.0, "seed": 0},
                "output_dir": str(Path(tmp) / "run"),
                "commit_every": 10_000,
            }
        )
        plan = plan_sweep(spec)
        items = [
            (engine.render_chat([{"role": "user", "content": v.text}]), seed)
            for p in plan.suites
            for v in p.variants
            for seed in [derive_seed(0, v.id, e) for e in range(p.epochs)]
        ]

        def bare() -> tuple[float, int]:
            start, tokens = time.perf_counter(), 0
            for i in range(0, len(items), args.batch):
                chunk = items[i : i + args.batch]
                outs = engine.generate(
                    [c[0] for c in chunk],
                    max_new_tokens=args.max_tokens,
                    temperature=1.0,
                    seeds=[c[1] for c in chunk],
                )
                tokens += sum(o.completion_tokens for o in outs)
            return time.perf_counter() - start, tokens

        bare_before, tokens = bare()
        start = time.perf_counter()
        result = run_sweep(plan, display="none", echo=lambda _: None)
        sweep_s = time.perf_counter() - start
        bare_after, _ = bare()
    bare_s = (bare_before + bare_after) / 2
    print(f"samples: {len(items)} ({result.added} stored), generated tokens (bare): {tokens}")
    print(f"bare engine generation: {bare_before:.1f} s / {bare_after:.1f} s (mean {bare_s:.1f} s)")
    print(f"cotscope sweep (Inspect + scoring + store): {sweep_s:.1f} s")
    print(f"ratio sweep / bare: {sweep_s / bare_s:.2f}x  (target <= 1.15)")


if __name__ == "__main__":
    main()
