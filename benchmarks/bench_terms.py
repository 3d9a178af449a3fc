"""`cotscope terms` throughput against a plain Counter over wordfreq.tokenize, and peak memory.

Builds a store of synthetic reasoning (default 1 GB of text, `--size 50MB` for a
quick run): real CoT paragraphs from ../shared/data reshuffled into CoTs of about
5 KB, with 2% of words drawn from a heavy-tailed synthetic vocabulary so the
vocabulary keeps growing with size as real text does (numbers, names, typos),
over 10 checkpoints. Then times, each in a fresh process reading the same store:

- baseline: stream the reasoning column, `Counter.update(wordfreq.tokenize(text, "en"))`;
- count: the analysis's counting pass (`count_reasoning`: per-checkpoint counts and
  CoT counts, prompt echoes);
- analyse: the whole `analyse_terms` (count pass, statistics, KWIC/dispersion pass).

Prints MB/s by wall and by CPU time (the machine is shared: CPU time is the steadier
measure), each ratio to the baseline (target >= 1.0) and peak resident memory
(target < 2 GB).

    .venv/bin/python benchmarks/bench_terms.py [--size 1GB] [--dir DIR] [--keep]

Measured on 1 GB (196,000 CoTs, 10 checkpoints; the 2-core machine shared, load 6-10,
so wall times are inflated and CPU times are the fairer comparison):

    baseline: cpu 276 s (3.6 MB/s)  wall 700 s                        peak 838 MB
       count: cpu 146 s (6.8 MB/s)  wall 410 s  ratio cpu 1.88 wall 1.71  peak 848 MB
     analyse: cpu 205 s (4.9 MB/s)  wall 449 s  ratio cpu 1.35 wall 1.56  peak 925 MB
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKPOINTS = 10
COT_BYTES = 5000
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _paragraphs() -> list[str]:
    texts: list[str] = []
    for path in SHARED.glob("thought-branches/**/*.json"):
        for rec in json.loads(path.read_text(encoding="utf-8")):
            texts += [rec["reasoning_text"], rec["base_reasoning_text"]]
    for path in SHARED.glob("odd-number-forensics-*/**/*_thinking.txt"):
        texts.append(path.read_text(encoding="utf-8"))
    for path in SHARED.glob("cot-monitor-stress-test/**/*.json"):
        for message in json.loads(path.read_text(encoding="utf-8"))["conversation"]:
            if isinstance(message.get("content"), str):
                texts.append(message["content"])
    if not texts:
        sys.exit(f"no real text under {SHARED}")
    return [p.strip() for t in texts for p in t.split("\n") if len(p.strip()) > 40]


def _cot(rng: random.Random, paragraphs: list[str]) -> str:
    parts, size = [], 0
    while size < COT_BYTES:
        words = rng.choice(paragraphs).split()
        for i in range(len(words)):
            if rng.random() < 0.02:  # heavy tail: rank ~ Pareto, so new words keep appearing
                words[i] = f"w{int(rng.paretovariate(0.8))}x{rng.randrange(26)}"
        parts.append(" ".join(words))
        size += len(parts[-1]) + 1
    return "\n".join(parts)


def build_store(run_dir: Path, size: int, seed: int = 0) -> tuple[int, int]:
    """Write the synthetic store in Arrow batches; returns (rows, bytes of reasoning)."""
    import pyarrow as pa

    from cotscope.store import SAMPLE_COLUMNS, Store

    rng = random.Random(seed)
    paragraphs = _paragraphs()
    rows = written = 0
    with Store(run_dir) as store:
        while written < size:
            batch: dict[str, list[object]] = {c: [] for c in SAMPLE_COLUMNS}
            for _ in range(2000):
                text = _cot(rng, paragraphs)
                k = rows % CHECKPOINTS
                values = {
                    "sample_uid": f"u{rows}",
                    "run": "bench",
                    "model_id": f"ckpt-{k}",
                    "model": "mockllm/model",
                    "model_order": k,
                    "step": 100 * k,
                    "suite": "s",
                    "variant_id": f"v{rows % 50}",
                    "variant_family": "f",
                    "variant_hash": "h",
                    "epoch": rows,
                    "prompt": "Choose a random even number.",
                    "reasoning": text,
                    "answer": "4",
                    "outcome": "other",
                }
                for c in SAMPLE_COLUMNS:
                    batch[c].append(values.get(c))
                rows += 1
                written += len(text.encode())
            names = [c for c in SAMPLE_COLUMNS if c in values]
            table = pa.table({c: batch[c] for c in names})
            store.con.register("chunk", table)
            store.con.execute(f"INSERT INTO samples ({', '.join(names)}) SELECT * FROM chunk")
            store.con.unregister("chunk")
    return rows, written


def measure(mode: str, run_dir: Path) -> dict[str, float]:
    """Run one mode in this process; returns seconds and peak RSS in MB."""
    from collections import Counter

    from cotscope.store import Store

    start, cpu_start = time.perf_counter(), time.process_time()
    with Store(run_dir, read_only=True) as store:
        if mode == "baseline":
            import wordfreq

            counts: Counter[str] = Counter()
            for row in store.iter_samples(("reasoning",), batch=2000):
                counts.update(wordfreq.tokenize(row["reasoning"], "en"))
        elif mode == "count":
            from cotscope.terms import count_reasoning
            from cotscope.terms._counts import read_rows

            count_reasoning(read_rows(store))
        else:
            from cotscope.terms import TermsOptions, analyse_terms

            analyse_terms(store, TermsOptions())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {"seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    # VmHWM is this process image's peak; ru_maxrss survives exec and would report the
    # parent's peak (from building the store) for every child.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _parse_size(text: str) -> int:
    units = {"KB": 10**3, "MB": 10**6, "GB": 10**9}
    for unit, factor in units.items():
        if text.upper().endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1GB", help="Reasoning text to generate (e.g. 50MB).")
    parser.add_argument("--dir", type=Path, help="Run directory (default: a temporary one).")
    parser.add_argument("--keep", action="store_true", help="Keep the generated store.")
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, args.dir)))
        return
    run_dir = args.dir or Path(tempfile.mkdtemp(prefix="bench_terms_"))
    try:
        if not (run_dir / "cotscope.duckdb").exists():
            t0 = time.perf_counter()
            rows, size = build_store(run_dir, _parse_size(args.size))
            print(
                f"built {rows:,} CoTs, {size / 1e6:,.0f} MB of reasoning in "
                f"{time.perf_counter() - t0:.0f} s"
            )
        else:
            from cotscope.store import Store

            with Store(run_dir, read_only=True) as store:
                got = store.query("SELECT count(*) AS n, sum(strlen(reasoning)) AS b FROM samples")
            rows, size = int(got[0]["n"]), int(got[0]["b"])
            print(f"reusing {rows:,} CoTs, {size / 1e6:,.0f} MB of reasoning")
        results = {}
        for mode in ("baseline", "count", "analyse"):
            out = subprocess.run(
                [sys.executable, __file__, "--mode", mode, "--dir", str(run_dir)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
            r = results[mode]
            base = results["baseline"]
            line = (
                f"{mode:>9}: wall {r['seconds']:7.1f} s ({size / 1e6 / r['seconds']:5.2f} MB/s)"
                f"  cpu {r['cpu']:7.1f} s ({size / 1e6 / r['cpu']:5.2f} MB/s)"
            )
            if mode != "baseline":
                line += (
                    f"  ratio wall {base['seconds'] / r['seconds']:.2f}"
                    f" cpu {base['cpu'] / r['cpu']:.2f}"
                )
            print(line + f"  peak {r['peak_mb']:,.0f} MB", flush=True)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
