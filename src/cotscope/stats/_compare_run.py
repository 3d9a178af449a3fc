"""`cotscope compare`: two models of a run on every measure, paired on shared prompts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cotscope.store import Store, suite_outcomes

from ._compare import Comparison, paired_comparison, unpaired_comparison
from ._load import load_models, measures_for_labels, resolve_run
from ._run_stats import EXCLUDED_OUTCOMES, StatsError


@dataclass(frozen=True)
class CompareRow:
    """Model A against model B on one measure, for a family or the whole suite."""

    suite: str
    family: str | None
    measure: str
    comparison: Comparison


def compare_models(
    store: Store,
    model_a: str,
    model_b: str,
    run: str | None = None,
    confidence: float = 0.95,
) -> list[CompareRow]:
    """Compare two models of a run on every measure, paired on shared prompts when possible.

    A prompt is shared when both models have a parseable sample of the same
    (suite, variant id, variant hash, epoch). With any shared prompts the design
    is paired (on those prompts only); otherwise unpaired on all parseable samples.

    Args:
        store: An open store.
        model_a: Model id of A (the reference).
        model_b: Model id of B; differences are B − A.
        run: Run name; None for the store's only run.
        confidence: Coverage of the intervals.

    Returns:
        One row per (suite, family or whole suite, measure).
    """
    run = resolve_run(store, run)
    known = {m.model_id for m in load_models(store, run)[0]}
    for mid in (model_a, model_b):
        if mid not in known:
            raise StatsError(f"no model {mid!r} in run {run!r}; models: {sorted(known)}")
    excluded = ", ".join(f"'{o}'" for o in EXCLUDED_OUTCOMES)
    pairs = store.query(
        "SELECT a.suite, a.variant_family AS family, a.outcome AS oa, b.outcome AS ob,"
        " count(*) AS c FROM samples a JOIN samples b"
        " ON a.run = b.run AND a.suite = b.suite AND a.variant_id = b.variant_id"
        " AND a.variant_hash = b.variant_hash AND a.epoch = b.epoch"
        " WHERE a.run = ? AND a.model_id = ? AND b.model_id = ?"
        f" AND lower(a.outcome) NOT IN ({excluded}) AND lower(b.outcome) NOT IN ({excluded})"
        " GROUP BY ALL",
        [run, model_a, model_b],
    )
    singles = store.query(
        "SELECT model_id, suite, variant_family AS family, outcome, count(*) AS c FROM samples"
        f" WHERE run = ? AND model_id IN (?, ?) AND lower(outcome) NOT IN ({excluded})"
        " GROUP BY ALL",
        [run, model_a, model_b],
    )
    labels: dict[str, set[str]] = defaultdict(set)
    for r in singles:
        labels[r["suite"]].add(str(r["outcome"]))
    rows: list[CompareRow] = []
    declared = suite_outcomes(store, run)
    for suite in sorted(labels):
        suite_measures, boolean = measures_for_labels(labels[suite], declared.get(suite, ()))
        fams = sorted({str(r["family"]) for r in singles if r["suite"] == suite})
        for measure in suite_measures:

            def hit(outcome: str, measure: str = measure, boolean: bool = boolean) -> bool:
                return outcome.lower() == "true" if boolean else outcome == measure

            for fam in [None, *fams]:
                sel = [r for r in pairs if r["suite"] == suite and fam in (None, r["family"])]
                if sel:
                    flat = [
                        (hit(str(r["oa"])), hit(str(r["ob"])))
                        for r in sel
                        for _ in range(int(r["c"]))
                    ]
                    comp = paired_comparison(flat, confidence)
                else:
                    k = {model_a: 0, model_b: 0}
                    n = {model_a: 0, model_b: 0}
                    for r in singles:
                        if r["suite"] == suite and fam in (None, r["family"]):
                            k[r["model_id"]] += int(r["c"]) if hit(str(r["outcome"])) else 0
                            n[r["model_id"]] += int(r["c"])
                    comp = unpaired_comparison(
                        k[model_a], n[model_a], k[model_b], n[model_b], confidence
                    )
                rows.append(CompareRow(suite, fam, measure, comp))
    return rows
