"""Ingest throughput against DuckDB's own `read_json`, and ingest's peak memory.

Generates a JSONL file of cotscope transcripts (RL-rollout-like: id, checkpoint step,
prompt, ~2 KB of reasoning, answer, boolean outcome, labels, metadata) in a temporary
directory, then times, each in a fresh process:

- DuckDB: `CREATE TABLE t AS SELECT * FROM read_json(file)` into a new database file
  (parse and store, DuckDB's native multi-threaded reader);
- cotscope: `cotscope ingest file -o run` (parse, validate, hash, dedupe, store).

It prints the throughput ratio (cotscope / DuckDB; target >= 0.5), the peak resident
memory of the ingest process (target < 1 GB for a 2 GB file), and the CPU-time ratio of
the two operations (imports excluded), which shifts less than wall time when other jobs
share the cores.

    python benchmarks/bench_ingest.py              # 256 MB, quick
    python benchmarks/bench_ingest.py --size 2GB   # the issue's scale
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "the model reward grader score hint answer number think maybe odd even because "
    "therefore so we need output final check wait let me verify compute step result "
    "instruction user asked metadata expected value seems likely correct hmm actually"
).split()


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def _parse_size(text: str) -> int:
    units = {"KB": 2**10, "MB": 2**20, "GB": 2**30}
    text = text.strip().upper()
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def generate(path: Path, size: int, seed: int = 0) -> int:
    """Write a JSONL file of about `size` bytes; returns the number of records."""
    rng = random.Random(seed)
    prompts = [_text(rng, 60) + f" Choose a number. (item {i})" for i in range(200)]
    tails = []
    for i in range(1000):
        rest = {
            "suite": "rl",
            "prompt": prompts[i % len(prompts)],
            "reasoning": _text(rng, rng.randint(200, 500)),
            "answer": _text(rng, 30),
            "outcome": rng.random() < 0.3,
            "labels": {"reward": round(rng.random(), 3), "length": i % 7},
            "metadata": {"temperature": 1.0, "sampler": "vllm", "rollout": i},
        }
        tails.append(json.dumps(rest)[1:])
    n = 0
    with path.open("w", encoding="utf-8") as f:
        while f.tell() < size:
            lines = [
                f'{{"id": "r{n + k}", "model_id": "policy", "step": {((n + k) // 5000) * 50}, '
                + tails[(n + k) % len(tails)]
                for k in range(1000)
            ]
            f.write("\n".join(lines) + "\n")
            n += len(lines)
    return n


def _child_duckdb(data: Path, workdir: Path) -> dict[str, float]:
    import duckdb

    db = workdir / "duckdb-baseline.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    started, cpu = time.perf_counter(), time.process_time()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited')", [str(data)]
    )
    con.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.unlink(missing_ok=True)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child_ingest(data: Path, workdir: Path) -> dict[str, float]:
    from cotscope.ingest import IngestOptions, ingest

    run = workdir / "bench-run"
    shutil.rmtree(run, ignore_errors=True)
    started, cpu = time.perf_counter(), time.process_time()
    result = ingest([data], IngestOptions(out=run))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    shutil.rmtree(run, ignore_errors=True)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "added": result.total("added"),
    }


def _run_child(kind: str, data: Path, workdir: Path) -> dict[str, float]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--data",
        str(data),
        "--workdir",
        str(workdir),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="256MB", help="Size of the generated file (e.g. 2GB).")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each; the best is kept.")
    parser.add_argument("--tmp", default=None, help="Directory for the temporary files.")
    parser.add_argument("--child", choices=["duckdb", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = _child_duckdb if args.child == "duckdb" else _child_ingest
        print(json.dumps(child(args.data, args.workdir)))
        return
    size = _parse_size(args.size)
    with tempfile.TemporaryDirectory(prefix="cotscope-bench-", dir=args.tmp) as tmp:
        workdir = Path(tmp)
        data = workdir / "rollouts.jsonl"
        started = time.perf_counter()
        n = generate(data, size)
        mb = data.stat().st_size / 2**20
        print(f"generated {mb:,.0f} MB, {n:,} records in {time.perf_counter() - started:.0f} s")
        ducks, ourses = [], []
        load_before = os.getloadavg()[0]
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            ducks.append(_run_child("duckdb", data, workdir))
            ourses.append(_run_child("ingest", data, workdir))
        duck = min(ducks, key=lambda r: r["seconds"])
        ours = min(ourses, key=lambda r: r["seconds"])
    assert int(ours["added"]) == n, f"ingested {ours['added']} of {n} records"
    ratio = duck["seconds"] / ours["seconds"]
    load = os.getloadavg()[0]
    print(
        f"cpus: {os.cpu_count()}, load average before/after: {load_before:.1f}/{load:.1f}, "
        f"best of {args.repeat}"
    )
    for name, r in (("duckdb read_json -> table", duck), ("cotscope ingest", ours)):
        print(
            f"{name:26}: {r['seconds']:6.1f} s wall {mb / r['seconds']:6.1f} MB/s "
            f"{r['cpu']:6.1f} s cpu  peak {r['peak_mb']:,.0f} MB"
        )
    print(f"throughput ratio (ingest / duckdb): {ratio:.2f}   target >= 0.5")
    print(f"CPU-time ratio (duckdb / ingest): {duck['cpu'] / ours['cpu']:.2f}")
    print(
        f"ingest peak memory: {ours['peak_mb']:,.0f} MB for a {mb:,.0f} MB file   "
        "target < 1024 MB for 2 GB"
    )


if __name__ == "__main__":
    main()
