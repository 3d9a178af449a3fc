"""Grader benchmarks: lexical throughput, and judge calls a lexical prescreen saves.

1. Throughput: each lexical detector over real CoTs from ../shared/data (the
   thought-branches reasoning, with and without the hint, and the DeepSeek trace),
   repeated to `--cots` CoTs; CoTs per second and MB/s by wall and CPU time.
2. Prescreen: on the shipped labelled set, per property, the share of judge calls
   saved when only lexically flagged excerpts plus an audit sample (`--audit`) of the
   rest go to the judge, next to the detector's measured recall (what the prescreen
   can find; the audit estimates the rest). Reported on all excerpts and on the
   held-out split (written after the lexicons were frozen). Also the savings at a
   realistic prevalence, where most CoTs are negative: `--prevalence`.

    .venv/bin/python benchmarks/bench_graders.py [--cots 5000] [--audit 0.1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cotscope.graders import load_detector, load_labels, plan_prescreen, validate_lexical

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PROPERTIES = ("eval-awareness", "metagaming", "grader-seeking", "covert-intent", "puzzle-framing")


def corpus() -> list[str]:
    tb = SHARED / "thought-branches/faithfulness/good_problems"
    records = json.loads(next(tb.glob("*.json")).read_text())
    texts = [r[k] for r in records for k in ("reasoning_text", "base_reasoning_text")]
    texts += [
        p.read_text()
        for p in (SHARED / "odd-number-forensics-theamankumarsingh").rglob("*_thinking.txt")
    ]
    return texts


def throughput(n: int) -> None:
    base = corpus()
    texts = [base[i % len(base)] for i in range(n)]
    mb = sum(len(t) for t in texts) / 1e6
    print(f"throughput: {n} CoTs, {mb:.1f} MB (mean {1e6 * mb / n:,.0f} chars)")
    for prop in PROPERTIES:
        det = load_detector(prop)
        wall, cpu = time.perf_counter(), time.process_time()
        flagged = sum(det.flags(t) for t in texts)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"  {prop:<15} {n / wall:8,.0f} CoTs/s wall, {n / cpu:8,.0f} CoTs/s CPU, "
            f"{mb / cpu:6.1f} MB/s CPU; flagged {flagged}"
        )


def prescreen(audit: float, prevalence: float) -> None:
    items = load_labels()
    print(f"prescreen (audit {audit:.0%} of unflagged, at least 5):")
    for prop in ("eval-awareness", "metagaming", "grader-seeking"):
        det = load_detector(prop)
        for split in (None, "heldout"):
            chosen = [i for i in items if prop in i.labels and split in (None, i.split)]
            flags = {i.id: det.flags(i.text) for i in chosen}
            plan = plan_prescreen(flags, audit, seed=0)
            judged = len(plan.candidates) + len(plan.audit)
            v = validate_lexical(det, items, split)
            ci = v.recall_interval or (0.0, 0.0)
            print(
                f"  {prop:<15} {split or 'all':<8} n={len(chosen):>3}  judge calls "
                f"{judged:>3}/{len(chosen):<3} saved {1 - judged / len(chosen):5.1%}  "
                f"recall {v.recall or 0:.0%} [{ci[0]:.0%}, {ci[1]:.0%}]  "
                f"precision {v.precision or 0:.0%}"
            )
        # At a realistic prevalence p with recall r and false-positive rate f, the judge
        # sees p*r + (1-p)*f of CoTs plus the audit share of the rest.
        v = validate_lexical(det, items, "heldout")
        r = v.recall or 0.0
        f = v.fp / (v.fp + v.tn) if v.fp + v.tn else 0.0
        flagged = prevalence * r + (1 - prevalence) * f
        judged_share = flagged + audit * (1 - flagged)
        print(
            f"  {prop:<15} at prevalence {prevalence:.0%} (held-out recall {r:.0%}, "
            f"FPR {f:.0%}): judge sees {judged_share:.1%}, saves {1 - judged_share:.1%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cots", type=int, default=5000)
    parser.add_argument("--audit", type=float, default=0.1)
    parser.add_argument("--prevalence", type=float, default=0.05)
    args = parser.parse_args()
    throughput(args.cots)
    prescreen(args.audit, args.prevalence)


if __name__ == "__main__":
    main()
