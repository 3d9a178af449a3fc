"""`cotscope compare`: two models of a run on every measure, paired on shared prompts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cotscope.store import SampleFilter, Store, count_samples, paired_outcome_counts, suite_outcomes

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
    pairs = paired_outcome_counts(store, run, model_a, model_b, EXCLUDED_OUTCOMES)
    singles = [
        (str(model_id), str(suite), str(family), str(outcome), n)
        for (model_id, suite, family, outcome), n in count_samples(
            store,
            SampleFilter(run=run, model_ids=(model_a, model_b), exclude_outcomes=EXCLUDED_OUTCOMES),
            ("model_id", "suite", "variant_family", "outcome"),
        )
    ]
    labels: dict[str, set[str]] = defaultdict(set)
    for _, suite, _, outcome, _ in singles:
        labels[suite].add(outcome)
    rows: list[CompareRow] = []
    declared = suite_outcomes(store, run)
    for suite in sorted(labels):
        suite_measures, boolean = measures_for_labels(labels[suite], declared.get(suite, ()))
        fams = sorted({family for _, s, family, _, _ in singles if s == suite})
        for measure in suite_measures:

            def hit(outcome: str, measure: str = measure, boolean: bool = boolean) -> bool:
                return outcome.lower() == "true" if boolean else outcome == measure

            for fam in [None, *fams]:
                sel = [p for p in pairs if p.suite == suite and fam in (None, p.family)]
                if sel:
                    flat = [(hit(p.outcome_a), hit(p.outcome_b)) for p in sel for _ in range(p.n)]
                    comp = paired_comparison(flat, confidence)
                else:
                    k = {model_a: 0, model_b: 0}
                    n = {model_a: 0, model_b: 0}
                    for model_id, s, family, outcome, c in singles:
                        if s == suite and fam in (None, family):
                            k[model_id] += c if hit(outcome) else 0
                            n[model_id] += c
                    comp = unpaired_comparison(
                        k[model_a], n[model_a], k[model_b], n[model_b], confidence
                    )
                rows.append(CompareRow(suite, fam, measure, comp))
    return rows
