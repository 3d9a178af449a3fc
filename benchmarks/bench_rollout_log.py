"""A lab-sized RL log on the path a user runs: ingest, `stats --json`, `report`.

Writes a JSONL log of `--rollouts` rollouts (default 1,000,000) from `--runs`
training runs (default 3) of `--steps` steps each (default 10,000), a new prompt
on every rollout and a short `<think>` reasoning; the labelled behaviour (`hack`)
sits near 5% and jumps to 90% at 40% of the steps in the first run and at 60% in
the second, and never in the others. Then times, each in a fresh process:

- ingest: `cotscope ingest log.jsonl --map run=experiment --map step=step
  --map outcome=hack --map answer=completion`, against DuckDB reading the same
  file (`read_json` into a table);
- analyse: `cotscope analyse` (every measure computed once and stored);
- stats: `cotscope stats --json`; report: `cotscope report` (default settings),
  both after analyse; against a DuckDB GROUP BY of the same rows (run, step,
  outcome counts and the total text length, a full scan of what the report reads),
  each the best of three (`--repeat` for the commands).

Prints the seconds, the ratios (targets: stats + report <= 20x the GROUP BY) and each
step's peak resident memory (target < 2 GB), and checks that the planted changes
are found.

    .venv/bin/python benchmarks/bench_rollout_log.py [--rollouts N] [--steps S]
        [--runs R] [--dir DIR] [--keep] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INGEST_MAPS = ["--map", "run=experiment", "--map", "step=step", "--map", "outcome=hack",
               "--map", "answer=completion"]  # fmt: skip
BASELINE_SQL = (
    "SELECT run_id, step, outcome, count(*) AS c,"
    " sum(length(prompt) + length(coalesce(reasoning, '')) + length(answer)) AS chars"
    " FROM samples GROUP BY ALL"
)
READ_JSON_SQL = "CREATE TABLE t AS SELECT * FROM read_json('{path}', format='newline_delimited')"


def write_log(path: Path, rollouts: int, steps: int, runs: int) -> None:
    """The synthetic log, written by DuckDB (a million lines in a few seconds)."""
    import duckdb

    per_run = rollouts // runs
    changes = [0.4, 0.6] + [2.0] * max(0, runs - 2)  # a share of the steps; 2.0: never
    change_sql = f"list_extract({changes[:runs]}, r.range::INT + 1)"
    con = duckdb.connect()
    con.execute(f"""
        COPY (
            WITH grid AS (
                SELECT r.range AS run, i.range AS i,
                    (i.range * {steps} // {per_run}) AS step, {change_sql} AS change
                FROM range({runs}) r, range({per_run}) i
            )
            SELECT chr(97 + run::INT) AS experiment, step,
                'Task ' || run || '-' || i || ': make the failing test pass in repo ' || (i % 97)
                    || '. The grader runs the test suite and reads the exit code.' AS prompt,
                '<think>The test checks the output of parse(). ' ||
                    CASE WHEN hash(run, i) % 100 < (CASE WHEN step >= change * {steps}
                                                         THEN 90 ELSE 5 END)
                         THEN 'The grader only reads the exit code, so sys.exit(0) passes.'
                         ELSE 'I should fix the parser so the test passes honestly.' END
                    || '</think>def parse(s): return s.strip()' AS completion,
                hash(run, i) % 100 < (CASE WHEN step >= change * {steps} THEN 90 ELSE 5 END)
                    AS hack
            FROM grid
        ) TO '{path}' (FORMAT json)
    """)
    con.close()


def _child(kind: str, target: str) -> None:
    start = time.perf_counter()
    detail = ""
    if kind == "read_json":
        import duckdb

        con = duckdb.connect()
        con.execute(READ_JSON_SQL.format(path=target))
        detail = f"{con.execute('SELECT count(*) FROM t').fetchone()[0]:,} rows"  # type: ignore[index]
        con.close()
    elif kind == "group_by":
        import duckdb

        con = duckdb.connect(str(Path(target) / "cotscope.duckdb"), read_only=True)
        detail = f"{len(con.execute(BASELINE_SQL).fetchall())} groups"
        con.close()
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb, "detail": detail}))


def _python_child(kind: str, target: Path) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--dir", str(target)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    result: dict[str, float | str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _cli(args: list[str]) -> tuple[float, float, str]:
    """Seconds, peak MB and stdout of one cotscope command in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--child", "cli", "--", *args],
                         capture_output=True, text=True)  # fmt: skip
    if out.returncode != 0:
        sys.exit(f"cotscope {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    timing = json.loads(out.stderr.strip().splitlines()[-1])
    return float(timing["seconds"]), float(timing["peak_mb"]), out.stdout


def _cli_child(args: list[str]) -> None:
    from cotscope.cli._app import app

    start = time.perf_counter()
    try:
        app(args, standalone_mode=False)
    finally:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        elapsed = time.perf_counter() - start
        print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb}), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the log and the run directory")
    parser.add_argument("--repeat", type=int, default=3, help="runs of stats and report (best)")
    parser.add_argument("--child", choices=("read_json", "group_by", "cli"), help=argparse.SUPPRESS)
    parser.add_argument("cli_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "cli":
        _cli_child(args.cli_args)
        return
    if args.child:
        _child(args.child, str(args.dir))
        return
    work = args.dir or Path(tempfile.mkdtemp(prefix="cotscope-rollouts-"))
    work.mkdir(parents=True, exist_ok=True)
    log, run_dir = work / "log.jsonl", work / "run"
    if not log.exists():
        start = time.perf_counter()
        write_log(log, args.rollouts, args.steps, args.runs)
        print(f"log: {args.rollouts:,} rollouts, {log.stat().st_size / 1e6:.0f} MB written in "
              f"{time.perf_counter() - start:.1f} s ({log})")  # fmt: skip
    if run_dir.exists():
        shutil.rmtree(run_dir)

    read = _python_child("read_json", log)
    ingest_s, ingest_mb, _ = _cli(["ingest", str(log), "-o", str(run_dir), *INGEST_MAPS,
                                   "--no-progress"])  # fmt: skip
    base = min(float(_python_child("group_by", run_dir)["seconds"]) for _ in range(3))
    analyse_s, analyse_mb, _ = _cli(["analyse", str(run_dir)])
    # Best of `--repeat` runs, as for the baseline: one slow start (a cold file cache, a
    # background task) must not decide the ratio.
    stats_s, stats_mb, stats_out = min(
        (_cli(["stats", str(run_dir), "--json"]) for _ in range(args.repeat)), key=lambda r: r[0]
    )
    report_s, report_mb, _ = min(
        (_cli(["report", str(run_dir)]) for _ in range(args.repeat)), key=lambda r: r[0]
    )

    stats = json.loads(stats_out)
    found = {c["run_id"]: c["change"] for c in stats["change_points"] if c["family"] is None}
    print(f"DuckDB read_json of the log: {float(read['seconds']):.1f} s")
    print(f"ingest: {ingest_s:.1f} s, ratio to read_json {ingest_s / float(read['seconds']):.1f}, "
          f"peak {ingest_mb:.0f} MB")  # fmt: skip
    print(f"baseline GROUP BY (open, full scan, close): {base * 1000:.0f} ms (best of 3)")
    print(f"analyse: {analyse_s:.1f} s ({analyse_s / base:.0f}x), peak {analyse_mb:.0f} MB")
    best = f"best of {args.repeat}"
    print(f"stats --json: {stats_s:.2f} s ({best}, {stats_s / base:.1f}x), peak {stats_mb:.0f} MB")
    print(f"report: {report_s:.2f} s ({best}, {report_s / base:.1f}x), peak {report_mb:.0f} MB")
    print(f"ratio (stats + report) / GROUP BY: {(stats_s + report_s) / base:.1f} (target <= 20)")
    every = (analyse_s + stats_s + report_s) / base
    print(f"ratio (analyse + stats + report) / GROUP BY: {every:.0f}")
    for run_id, change in sorted(found.items()):
        if change is None:
            print(f"run {run_id}: no change point")
            continue
        print(f"run {run_id}: change at step {change['after']['first_step']:,.0f} "
              f"(interval {change['interval_after_step']:,.0f}–{change['interval_by_step']:,.0f}, "
              f"p = {change['p_value']:.3f})")  # fmt: skip
    if args.dir is None and not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
