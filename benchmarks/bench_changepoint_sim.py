"""Simulation study of cotscope's statistics for training-run logs (change points, trend, rise).

A simulated log is one training run of T steps (1 .. T) with m rollouts per step,
every rollout on a new prompt (unpaired, as in an RL log), each outcome drawn
Bernoulli(p_t) from a planted curve p_t. Each log is handed to the functions as
cotscope hands them a run: `single_change(steps, k, n)`, `multiple_changes(steps,
k, n)`, and `trend_test` / `first_rise` on one `Cell` per step with a unique
cluster per step (with no recurring prompt, one cell per step and one cell per
rollout give the same tests: pooled score test, windows of >= 30 samples).

Sizes: m in {1, 5, 10} samples per step, T in {20, 200, 2000} steps. Curves and
what is measured on them:

1. No change (p = 0.1 and 0.3), three independent runs per replicate: false
   positive rate at alpha = 0.05 of first_rise (a rise found), trend_test
   (two-sided p < 0.05) and single_change (p < 0.05), per run (over all runs)
   and family-wise over 2 and 3 runs (any run flagged; cotscope analyses runs
   separately, with no correction across runs).
2. One step change 0.1 -> 0.1 + delta, delta in {0.05, 0.1, 0.2, 0.3, 0.4}, the
   first step at the new rate tau = round(0.4 T) + 1: power (single_change
   p < 0.05; trend p < 0.05 with direction increasing; first_rise found),
   coverage of the 95% location interval (interval_after_step < tau <=
   interval_by_step, over all replicates and among those with p < 0.05), its
   median width, and the error of the located step `after.first_step - tau`
   (mean = bias, median, median absolute); for first_rise, the median lag
   first_x - tau of the detecting window's first step.
3. A linear ramp 0.1 -> 0.3 from step 1 to step T: detection by the three tests.
4. Two changes at tau1 = round(T/3) + 1 and tau2 = round(2T/3) + 1, shapes
   "rise-rise" 0.1 -> 0.25 -> 0.4 and "rise-fall" 0.1 -> 0.4 -> 0.1: how often
   multiple_changes (PELT, BIC penalty) returns exactly three segments with both
   boundaries within +-5% of T steps of the truth (tolerance max(1, 0.05 T)), and
   how many changes it finds; on constant 0.1, how often it finds any change.
   PELT with ruptures' Python cost is slow at 2,000 steps (11-36 s a call on
   this machine), so there it runs only the rise-fall shape, m in {1, 10}, N // 100.

Replicates: `--reps N` (default 400) logs per cell at 20 and 200 steps, N // 4 at
2,000 steps; PELT N // 2 at 20 steps, N // 8 at 200. single_change runs with
`--resamples` (default 200, not the library's 1000) bootstrap draws, so its
p-value moves in steps of 1/201 (p < 0.05 means at most 9 null draws reach the
observed ratio); a side check repeats four cells (200 steps, m in {1, 5}, delta
in {0.1, 0.3}, N // 2 logs) at the library's 1000 draws. Each replicate's
bootstrap gets its own seed. Every rate is printed with its binomial Monte-Carlo
standard error sqrt(r (1 - r) / n). Each cell has its own generator seeded with
(--seed, cell), so a cell's numbers do not depend on which other cells ran.
The default run took 603 s of CPU on one core (2-core shared machine); `--quick`
(N = 40, no PELT at 2,000 steps) 52 s. Results are in docs/statistics.md.

Prints progress to stderr and markdown tables to stdout (`--json`: one JSON object).

    .venv/bin/python benchmarks/bench_changepoint_sim.py [--quick] [--reps N] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ParamSpec, TypeVar

import numpy as np

from cotscope.stats import Cell, first_rise, multiple_changes, single_change, trend_test

SEED = 20250601
ALPHA = 0.05
STEPS = (20, 200, 2000)
PER_STEP = (1, 5, 10)
RUNS = 3
NULL_RATES = (0.1, 0.3)
BASE_RATE = 0.1
DELTAS = (0.05, 0.1, 0.2, 0.3, 0.4)
CHANGE_AT = 0.4
RAMP = (0.1, 0.3)
TWO_CHANGES = {"rise-rise": (0.1, 0.25, 0.4), "rise-fall": (0.1, 0.4, 0.1)}
LONG = 2000

T = TypeVar("T")
P = ParamSpec("P")
Row = dict[str, Any]

_cpu: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
"""(function, steps) -> [calls, CPU seconds]."""


def timed(name: str, steps: int, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call fn, adding its CPU time to the per-function tally."""
    start = time.process_time()
    out = fn(*args, **kwargs)
    tally = _cpu[(name, steps)]
    tally[0] += 1
    tally[1] += time.process_time() - start
    return out


def rate(flags: Sequence[bool] | np.ndarray[Any, Any] | np.bool_) -> dict[str, float | int]:
    """Share of true flags with its binomial Monte-Carlo standard error."""
    arr = np.asarray(flags, dtype=bool)
    n = int(arr.size)
    r = float(arr.mean()) if n else math.nan
    se = math.sqrt(r * (1 - r) / n) if n else math.nan
    return {"rate": r, "se": se, "n": n}


def fmt(cell: dict[str, float | int]) -> str:
    """A rate as `4.8% ±1.1` (percent, MC standard error)."""
    if not cell["n"] or math.isnan(float(cell["rate"])):
        return "–"
    return f"{100 * float(cell['rate']):.1f}% ±{100 * float(cell['se']):.1f}"


def num(value: float | None, digits: int = 1) -> str:
    """A number, or a dash when undefined."""
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def median(values: Sequence[float]) -> float:
    """Median, NaN when empty."""
    return float(np.median(values)) if len(values) else math.nan


def cell_rng(seed: int, *key: int) -> np.random.Generator:
    """Generator of one simulation cell, seeded by the run seed and the cell."""
    return np.random.default_rng([seed, *key])


def cells_of(steps: np.ndarray, k: np.ndarray, m: int) -> list[Cell]:
    """One cell per step, a unique cluster per step (no prompt recurs)."""
    return [Cell(f"p{s}", float(s), int(kk), m) for s, kk in zip(steps, k, strict=True)]


@dataclass
class Verdicts:
    """What the three tests say about one simulated log."""

    change_p: float
    change_step: float
    after_step: float
    by_step: float
    trend_p: float | None
    trend_dir: str | None
    rise_x: float | None


def analyse(steps: np.ndarray, k: np.ndarray, m: int, resamples: int, seed: int) -> Verdicts:
    """Run single_change, trend_test and first_rise on one log."""
    t = len(steps)
    x, kk, n = steps.tolist(), k.tolist(), [m] * t
    name = f"single_change ({resamples} resamples)"
    cp = timed(name, t, single_change, x, kk, n, resamples=resamples, seed=seed)
    assert cp is not None
    cells = cells_of(steps, k, m)
    tr = timed("trend_test", t, trend_test, cells, False)  # a cell pools m different prompts
    fr = timed("first_rise", t, first_rise, cells, alpha=ALPHA)
    return Verdicts(
        change_p=cp.p_value, change_step=cp.step, after_step=cp.interval_after_step,
        by_step=cp.interval_by_step, trend_p=tr.p_value, trend_dir=tr.direction,
        rise_x=fr.first_x,
    )  # fmt: skip


def trend_flag(v: Verdicts, increasing: bool = False) -> bool:
    """Trend p < alpha (and, for a rise, the estimated direction increasing)."""
    if v.trend_p is None or v.trend_p >= ALPHA:
        return False
    return not increasing or v.trend_dir == "increasing"


def reps_for(steps: int, reps: int) -> int:
    """Replicates per cell: fewer at 2,000 steps."""
    return max(reps // 4, 1) if steps == LONG else reps


def progress(label: str, count: int, start: float) -> None:
    """One line to stderr per finished cell."""
    print(f"  {label}: {count} logs, {time.process_time() - start:.1f} s CPU", file=sys.stderr)


def study_null(reps: int, resamples: int, seed: int) -> list[Row]:
    """False positives under a constant rate, per run and across 2-3 runs."""
    rows = []
    for t_i, t in enumerate(STEPS):
        steps = np.arange(1, t + 1)
        for m in PER_STEP:
            for r_i, p in enumerate(NULL_RATES):
                start = time.process_time()
                rng = cell_rng(seed, 1, t_i, m, r_i)
                n_rep = reps_for(t, reps)
                flags = np.zeros((3, n_rep, RUNS), dtype=bool)  # rise, trend, change
                for i in range(n_rep):
                    for run in range(RUNS):
                        k = rng.binomial(m, p, size=t)
                        v = analyse(steps, k, m, resamples, int(rng.integers(2**31)))
                        flags[:, i, run] = (
                            v.rise_x is not None, trend_flag(v), v.change_p < ALPHA
                        )  # fmt: skip
                row: Row = {"steps": t, "per_step": m, "p": p, "replicates": n_rep}
                for name, f in zip(("rise", "trend", "change"), flags, strict=True):
                    row[name] = rate(f.ravel())
                    row[f"{name}_fw2"] = rate(f[:, :2].any(axis=1))
                    row[f"{name}_fw3"] = rate(f.any(axis=1))
                rows.append(row)
                progress(f"null T={t} m={m} p={p}", n_rep * RUNS, start)
    return rows


def study_step(reps: int, resamples: int, seed: int, steps_set: Sequence[int] = STEPS,
               per_step: Sequence[int] = PER_STEP, deltas: Sequence[float] = DELTAS,
               key: int = 2) -> list[Row]:  # fmt: skip
    """Power, interval coverage and location error under one step change."""
    rows = []
    for t in steps_set:
        steps = np.arange(1, t + 1)
        tau = round(CHANGE_AT * t) + 1
        for m in per_step:
            for delta in deltas:
                start = time.process_time()
                rng = cell_rng(seed, key, t, m, round(1000 * delta))
                curve = np.where(steps >= tau, BASE_RATE + delta, BASE_RATE)
                n_rep = reps_for(t, reps)
                out = [
                    analyse(steps, rng.binomial(m, curve), m, resamples, int(rng.integers(2**31)))
                    for _ in range(n_rep)
                ]
                detected = [v.change_p < ALPHA for v in out]
                covered = [v.after_step < tau <= v.by_step for v in out]
                errors = [v.change_step - tau for v in out]
                lags = [v.rise_x - tau for v in out if v.rise_x is not None]
                covered_detected = [c for c, d in zip(covered, detected, strict=True) if d]
                rows.append({
                    "steps": t, "per_step": m, "delta": delta, "tau": tau, "replicates": n_rep,
                    "power_change": rate(detected),
                    "power_trend": rate([trend_flag(v, increasing=True) for v in out]),
                    "power_rise": rate([v.rise_x is not None for v in out]),
                    "coverage": rate(covered),
                    "coverage_detected": rate(covered_detected),
                    "median_width": median([v.by_step - v.after_step for v in out]),
                    "bias": float(np.mean(errors)),
                    "median_error": median(errors),
                    "median_abs_error": median([abs(e) for e in errors]),
                    "rise_median_lag": median(lags),
                })  # fmt: skip
                progress(f"step T={t} m={m} delta={delta}", n_rep, start)
    return rows


def study_ramp(reps: int, resamples: int, seed: int) -> list[Row]:
    """Detection of a linear ramp."""
    rows = []
    for t in STEPS:
        steps = np.arange(1, t + 1)
        curve = RAMP[0] + (RAMP[1] - RAMP[0]) * (steps - 1) / (t - 1)
        for m in PER_STEP:
            start = time.process_time()
            rng = cell_rng(seed, 3, t, m)
            n_rep = reps_for(t, reps)
            out = [
                analyse(steps, rng.binomial(m, curve), m, resamples, int(rng.integers(2**31)))
                for _ in range(n_rep)
            ]
            rows.append({
                "steps": t, "per_step": m, "replicates": n_rep,
                "power_change": rate([v.change_p < ALPHA for v in out]),
                "power_trend": rate([trend_flag(v, increasing=True) for v in out]),
                "power_rise": rate([v.rise_x is not None for v in out]),
            })  # fmt: skip
            progress(f"ramp T={t} m={m}", n_rep, start)
    return rows


def pelt_plan(reps: int) -> list[tuple[int, int, str, int]]:
    """(steps, per step, shape, replicates) of the PELT cells; shape `null` is constant 0.1."""
    plan = []
    for t, n_rep in ((20, reps // 2), (200, reps // 8)):
        for m in PER_STEP:
            for shape in (*TWO_CHANGES, "null"):
                plan.append((t, m, shape, n_rep))
    plan += [(LONG, m, "rise-fall", reps // 100) for m in (1, 10)]
    return [p for p in plan if p[3] > 0]


def study_two(reps: int, seed: int) -> list[Row]:
    """multiple_changes on two planted changes, and on no change."""
    rows = []
    for t, m, shape, n_rep in pelt_plan(reps):
        start = time.process_time()
        steps = np.arange(1, t + 1)
        x, n = steps.tolist(), [m] * t
        taus = (round(t / 3) + 1, round(2 * t / 3) + 1)
        levels = TWO_CHANGES.get(shape, (BASE_RATE,) * 3)
        curve = np.select([steps < taus[0], steps < taus[1]], levels[:2], levels[2])
        tol = max(1.0, 0.05 * t)
        rng = cell_rng(seed, 4, t, m, [*TWO_CHANGES, "null"].index(shape))
        found: list[list[float]] = []
        for _ in range(n_rep):
            k = rng.binomial(m, curve).tolist()
            seg = timed("multiple_changes", t, multiple_changes, x, k, n)
            assert seg is not None
            found.append([s.first_step for s in seg.segments[1:]])
        counts = np.array([len(f) for f in found])
        row: Row = {
            "steps": t, "per_step": m, "shape": shape, "taus": taus if shape != "null" else None,
            "tolerance": tol, "replicates": n_rep,
            "none": rate(counts == 0), "one": rate(counts == 1), "two": rate(counts == 2),
            "more": rate(counts > 2), "mean_changes": float(counts.mean()),
        }  # fmt: skip
        if shape != "null":
            row["located"] = rate([
                len(f) == 2 and all(abs(c - tau) <= tol for c, tau in zip(f, taus, strict=True))
                for f in found
            ])  # fmt: skip
        rows.append(row)
        progress(f"pelt T={t} m={m} {shape}", n_rep, start)
    return rows


def timing_probe(seed: int, calls: int = 5) -> None:
    """Time single_change at the library's default 1000 resamples (into the CPU tally)."""
    for t in STEPS:
        steps = np.arange(1, t + 1)
        curve = np.where(steps >= round(CHANGE_AT * t) + 1, 0.3, 0.1)
        k = cell_rng(seed, 5, t).binomial(5, curve).tolist()
        for i in range(calls):
            timed("single_change (1000 resamples)", t, single_change, steps.tolist(), k, [5] * t,
                  seed=i)  # fmt: skip


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render(result: dict[str, Any]) -> str:
    """The results as markdown tables."""
    cfg = result["config"]
    out = [
        f"# cotscope change-point / trend simulation ({cfg['date']}, {cfg['machine']})",
        f"reps={cfg['reps']} (2,000 steps: {reps_for(LONG, cfg['reps'])}), "
        f"single_change resamples={cfg['resamples']}, seed={cfg['seed']}, alpha={ALPHA}; "
        "rates are `share ±MC standard error`.",
        "",
        "## 1. False positives under no change (per run)",
        "",
        table(
            ["steps", "per step", "p", "runs", "first_rise", "trend p<.05", "single_change p<.05"],
            [
                [
                    f"{r['steps']:,}",
                    str(r["per_step"]),
                    str(r["p"]),
                    str(r["rise"]["n"]),
                    fmt(r["rise"]),
                    fmt(r["trend"]),
                    fmt(r["change"]),
                ]
                for r in result["null"]
            ],
        ),
        "",
        "## 1b. Family-wise false positives: any of 2 / any of 3 runs flagged",
        "",
        table(
            [
                "steps",
                "per step",
                "p",
                "reps",
                "first_rise 2 / 3 runs",
                "trend 2 / 3 runs",
                "single_change 2 / 3 runs",
            ],
            [
                [
                    f"{r['steps']:,}",
                    str(r["per_step"]),
                    str(r["p"]),
                    str(r["replicates"]),
                    *(
                        f"{fmt(r[f'{x}_fw2'])} / {fmt(r[f'{x}_fw3'])}"
                        for x in ("rise", "trend", "change")
                    ),
                ]
                for r in result["null"]
            ],
        ),
        "",
        f"## 2. One step change {BASE_RATE} -> {BASE_RATE} + delta at {CHANGE_AT:.0%} of the run:"
        " power",
        "",
        table(
            ["steps", "per step", "delta", "reps", "single_change", "trend", "first_rise"],
            [
                [
                    f"{r['steps']:,}",
                    str(r["per_step"]),
                    str(r["delta"]),
                    str(r["replicates"]),
                    fmt(r["power_change"]),
                    fmt(r["power_trend"]),
                    fmt(r["power_rise"]),
                ]
                for r in result["step"]
            ],
        ),
        "",
        "## 2b. Location of the step change (single_change): 95% interval and error, in steps",
        "",
        table(
            [
                "steps",
                "per step",
                "delta",
                "tau",
                "coverage",
                "coverage if p<.05",
                "median width",
                "bias",
                "median err",
                "median |err|",
                "first_rise median lag",
            ],
            [
                [
                    f"{r['steps']:,}",
                    str(r["per_step"]),
                    str(r["delta"]),
                    str(r["tau"]),
                    fmt(r["coverage"]),
                    fmt(r["coverage_detected"]),
                    num(r["median_width"]),
                    num(r["bias"]),
                    num(r["median_error"]),
                    num(r["median_abs_error"]),
                    num(r["rise_median_lag"]),
                ]
                for r in result["step"]
            ],
        ),
        "",
        f"## 2c. Resamples check: the same cells with single_change at 1000 resamples"
        f" (vs {cfg['resamples']})",
        "",
        table(
            ["steps", "per step", "delta", "reps", "power", "coverage", "median width"],
            [
                [
                    f"{r['steps']:,}",
                    str(r["per_step"]),
                    str(r["delta"]),
                    str(r["replicates"]),
                    fmt(r["power_change"]),
                    fmt(r["coverage"]),
                    num(r["median_width"]),
                ]
                for r in result["resamples_check"]
            ],
        ),
        "",
        f"## 3. Linear ramp {RAMP[0]} -> {RAMP[1]}: detection",
        "",
        table(
            ["steps", "per step", "reps", "single_change", "trend", "first_rise"],
            [
                [
                    f"{r['steps']:,}",
                    str(r["per_step"]),
                    str(r["replicates"]),
                    fmt(r["power_change"]),
                    fmt(r["power_trend"]),
                    fmt(r["power_rise"]),
                ]
                for r in result["ramp"]
            ],
        ),
        "",
        "## 4. multiple_changes (PELT, BIC): changes found",
        "",
        table(
            [
                "steps",
                "per step",
                "curve",
                "reps",
                "both within tol",
                "0",
                "1",
                "2",
                ">2",
                "mean changes",
            ],
            [
                [
                    f"{r['steps']:,}",
                    str(r["per_step"]),
                    r["shape"],
                    str(r["replicates"]),
                    fmt(r["located"]) if "located" in r else "–",
                    fmt(r["none"]),
                    fmt(r["one"]),
                    fmt(r["two"]),
                    fmt(r["more"]),
                    num(r["mean_changes"], 2),
                ]
                for r in result["two_changes"]
            ],
        ),
        "",
        "## 5. CPU time per call",
        "",
        table(
            ["function", "steps", "calls", "ms per call"],
            [
                [r["function"], f"{r['steps']:,}", str(r["calls"]), num(1000 * r["seconds"])]
                for r in result["timing"]
            ],
        ),
        "",
        f"Total: {result['cpu_seconds']:.0f} s CPU, {result['wall_seconds']:.0f} s wall.",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 40, about a minute")
    parser.add_argument("--reps", type=int, default=None, help="logs per cell (default 400)")
    parser.add_argument("--resamples", type=int, default=200, help="single_change bootstrap")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    reps = args.reps if args.reps is not None else 40 if args.quick else 400
    wall, cpu = time.perf_counter(), time.process_time()
    result: dict[str, Any] = {
        "config": {
            "reps": reps, "reps_2000_steps": reps_for(LONG, reps), "resamples": args.resamples,
            "seed": args.seed, "alpha": ALPHA, "date": date.today().isoformat(),
            "machine": f"{platform.machine()}, Python {platform.python_version()}, "
            "single process",
        },
    }  # fmt: skip
    print("no change ...", file=sys.stderr)
    result["null"] = study_null(reps, args.resamples, args.seed)
    print("one step change ...", file=sys.stderr)
    result["step"] = study_step(reps, args.resamples, args.seed)
    print("resamples check ...", file=sys.stderr)
    result["resamples_check"] = study_step(
        max(reps // 2, 1), 1000, args.seed, steps_set=(200,), per_step=(1, 5), deltas=(0.1, 0.3),
        key=6,
    )  # fmt: skip
    print("linear ramp ...", file=sys.stderr)
    result["ramp"] = study_ramp(reps, args.resamples, args.seed)
    print("two changes (PELT) ...", file=sys.stderr)
    result["two_changes"] = study_two(reps, args.seed)
    timing_probe(args.seed)
    result["timing"] = [
        {"function": name, "steps": t, "calls": int(calls), "seconds": seconds / calls}
        for (name, t), (calls, seconds) in sorted(_cpu.items())
    ]
    result["cpu_seconds"] = time.process_time() - cpu
    result["wall_seconds"] = time.perf_counter() - wall
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(render(result))


if __name__ == "__main__":
    main()
