"""Read a run's store and compute every statistic the report and `cotscope stats` show.

Counts are aggregated in DuckDB (one GROUP BY over the samples); everything after
that works on a few thousand count cells, never on sample rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from itertools import groupby
from typing import Any

from cotscope.store import SampleFilter, Store, count_samples, suite_outcomes, suite_prompts

from ._aggregate import Aggregate, aggregate_rates
from ._bins import DENSE_STEPS, binned_rates
from ._changepoint import multiple_changes, single_change
from ._intervals import rate_estimate
from ._load import _Counts, _variant_name, load_models, measures_for_labels, resolve_run
from ._power import minimum_detectable_effect
from ._run_stats import (
    BinnedRow,
    ChangeRow,
    Level,
    ModelInfo,
    PhaseRow,
    RateRow,
    RiseRow,
    RiseTestRow,
    RunStats,
    TrendRow,
    VariantInfo,
)
from ._runs import compare_runs
from ._summary import summarise
from ._trend import Cell, first_rise, trend_test


def collect_stats(
    store: Store, run: str | None = None, confidence: float = 0.95, alpha: float = 0.05
) -> RunStats:
    """Compute every rate, aggregate, trend and first rise of a run.

    Args:
        store: An open store.
        run: Run name; None for the store's only run.
        confidence: Coverage of every interval.
        alpha: Significance level of the first-rise tests (Holm across checkpoints).

    Returns:
        The run's statistics.
    """
    run = resolve_run(store, run)
    models, axis = load_models(store, run)
    rollouts = _rollout_suites(store, run) if len(models) > 1 else {}
    cells: dict[tuple[str, str, str, str, str], _Counts] = defaultdict(_Counts)
    families: dict[tuple[str, str, str], str] = {}
    labels: dict[str, set[str]] = defaultdict(set)
    variant_counts = count_samples(
        store,
        SampleFilter(run=run, exclude_suites=tuple(rollouts)),
        ("run_id", "model_id", "suite", "variant_id", "variant_hash", "variant_family", "outcome"),
    )
    for (run_id, model_id, suite, vid, vhash, family, outcome), count in variant_counts:
        cells[(run_id, model_id, suite, vid, vhash)].by_label[str(outcome)] += count
        families[(suite, vid, vhash)] = str(family)
        labels[suite].add(str(outcome))
    # Rollouts: counted per checkpoint and family in SQL, one pseudo-variant per family.
    pseudo: dict[tuple[str, str, str], VariantInfo] = {}
    family_counts = count_samples(
        store,
        SampleFilter(run=run, suites=tuple(rollouts)),
        ("run_id", "model_id", "suite", "variant_family", "outcome"),
    )
    for (run_id, model_id, suite, family, outcome), count in family_counts:
        v = pseudo.setdefault(
            (suite, str(family), ""),
            VariantInfo(suite, f"({family})", "", str(family), f"{family} rollouts"),
        )
        cells[(run_id, model_id, suite, v.variant_id, "")].by_label[str(outcome)] += count
        labels[suite].add(str(outcome))

    ids_per_name: dict[tuple[str, str], int] = defaultdict(int)
    for suite, vid, _ in families:
        ids_per_name[(suite, vid)] += 1
    variants = sorted(
        (
            VariantInfo(
                suite, vid, vh, fam_name, _variant_name(vid, vh, ids_per_name[(suite, vid)])
            )
            for (suite, vid, vh), fam_name in families.items()
        ),
        key=lambda v: (v.suite, v.family, v.variant_id, v.variant_hash),
    )
    measures: dict[str, list[str]] = {}
    booleans: dict[str, bool] = {}
    declared = suite_outcomes(store, run)
    for suite in sorted(labels):
        measures[suite], booleans[suite] = measures_for_labels(labels[suite], declared[suite])

    stats = RunStats(run, axis, confidence, models, variants, measures, rollouts=rollouts)
    stats.outcomes = {suite: declared[suite] for suite in sorted(labels)}
    totals: Counter[str] = Counter()
    for c in cells.values():
        totals.update(c.by_label)
    stats.outcome_counts = dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
    every = [*variants, *sorted(pseudo.values(), key=lambda v: (v.suite, v.family))]
    # Each checkpoint's variants, in variant order: looked up per checkpoint rather than
    # filtered from every variant, which is quadratic when every rollout is a variant.
    by_checkpoint: dict[tuple[str, str, str], list[tuple[VariantInfo, _Counts]]] = defaultdict(list)
    position = {(v.suite, v.variant_id, v.variant_hash): i for i, v in enumerate(every)}
    for (run_id, model_id, suite, vid, vhash), c in sorted(
        cells.items(), key=lambda item: position[(item[0][2], item[0][3], item[0][4])]
    ):
        by_checkpoint[(run_id, model_id, suite)].append((every[position[(suite, vid, vhash)]], c))
    for suite, suite_measures in measures.items():
        suite_variants = [v for v in every if v.suite == suite]
        stats.families[suite] = sorted({v.family for v in suite_variants})
        for measure in suite_measures:
            _measure_stats(stats, suite, measure, suite_variants, by_checkpoint,
                           booleans[suite], alpha)  # fmt: skip
    stats.run_diffs = compare_runs(stats, alpha)
    stats.summary = summarise(stats, alpha)
    return stats


def _rollout_suites(store: Store, run: str) -> dict[str, int]:
    """Suites in which every prompt (variant text) was sampled once → their prompts."""
    return {s.suite: s.prompts for s in suite_prompts(store, run) if s.most_samples == 1}


def _measure_stats(
    stats: RunStats,
    suite: str,
    measure: str,
    suite_variants: list[VariantInfo],
    by_checkpoint: dict[tuple[str, str, str], list[tuple[VariantInfo, _Counts]]],
    boolean: bool,
    alpha: float,
) -> None:
    """Rates, trend, first rise and change point of one measure: whole suite, then families.

    A suite of one family gives the family the suite's numbers (the same samples)
    rather than computing them twice.
    """
    confidence, axis = stats.confidence, stats.x_axis
    rollout = suite in stats.rollouts
    by_family: dict[str, list[VariantInfo]] = defaultdict(list)
    for v in suite_variants:
        by_family[v.family].append(v)
    groups: list[tuple[Level, str | None, list[VariantInfo]]] = [("suite", None, suite_variants)]
    groups += [("family", name, by_family[name]) for name in sorted(by_family)]
    single = len(by_family) == 1
    for level, fam, members in groups:
        copy = level == "family" and single
        member_set = set(members)
        for run_id in stats.runs:
            run_models = [m for m in stats.models if m.run_id == run_id]
            trend_cells: list[Cell] = []
            for m in run_models:
                present = [
                    (v, c) for v, c in by_checkpoint.get((*m.key, suite), []) if v in member_set
                ]
                if not present:
                    continue
                for v, c in present:
                    # A rollout checkpoint's prompts never recur: its own cluster.
                    cluster = f"{m.run_id}\x1f{m.model_id}\x1f{v.family}" if rollout else v.name
                    trend_cells.append(Cell(cluster, m.x, c.k(measure, boolean), c.n()))
                    if level == "family" and not rollout:
                        stats.rates.append(_variant_row(m, v, measure, c, boolean, confidence))
                if not copy:
                    stats.rates.append(_aggregate_row(m, level, suite, fam, measure, present,
                                                      boolean, confidence, rollout))  # fmt: skip
            if not trend_cells:
                continue
            if copy:
                _copy_to_family(stats, suite, measure, run_id, str(fam))
                continue
            trend = trend_test(trend_cells, grouped=not rollout)
            stats.trends.append(TrendRow(suite, fam, measure, trend, run_id))
            stats.rises.append(
                _rise_row(suite, fam, measure, trend_cells, run_models, alpha, run_id)
            )
            if axis == "step":
                stats.changes.append(
                    _change_row(suite, fam, measure, trend_cells, confidence, run_id)
                )
            if axis == "step" and level == "suite":
                stats.phases += _phase_rows(suite, measure, run_id, trend_cells, run_models,
                                            confidence, grouped=not rollout)  # fmt: skip
            if axis == "step" and level == "suite" and len(run_models) > DENSE_STEPS:
                xs, ks, ns = ([c.x for c in trend_cells], [c.k for c in trend_cells],
                              [c.n for c in trend_cells])  # fmt: skip
                binned = binned_rates(xs, ks, ns, confidence=confidence)
                stats.binned.append(BinnedRow(suite, measure, run_id, binned))


def _copy_to_family(stats: RunStats, suite: str, measure: str, run_id: str, family: str) -> None:
    """The one family's rows: the whole suite's, relabelled."""
    key = (suite, None, measure, run_id)
    stats.rates += [
        replace(r, level="family", family=family)
        for r in stats.rates
        if (r.suite, r.family, r.measure, r.run_id, r.level) == (*key, "suite")
    ]
    stats.trends += [replace(r, family=family) for r in stats.trends if _key(r) == key]
    stats.rises += [replace(r, family=family) for r in stats.rises if _key(r) == key]
    stats.changes += [replace(r, family=family) for r in stats.changes if _key(r) == key]


def _key(row: TrendRow | RiseRow | ChangeRow) -> tuple[str, str | None, str, str]:
    return row.suite, row.family, row.measure, row.run_id


def phase_segments(models: Sequence[ModelInfo]) -> list[tuple[str, list[ModelInfo]]]:
    """A run's checkpoints in step order, cut where the recorded phase changes.

    Empty unless every checkpoint records a phase and there are two or more segments:
    a run of one phase is already tested as a whole.
    """
    in_order = sorted(models, key=lambda m: m.x)
    segments = [(phase, list(ms)) for phase, ms in groupby(in_order, key=lambda m: m.phase)]
    if len(segments) < 2 or any(not phase for phase, _ in segments):
        return []
    return segments


def _phase_rows(
    suite: str,
    measure: str,
    run_id: str,
    cells: Sequence[Cell],
    models: Sequence[ModelInfo],
    confidence: float,
    grouped: bool,
) -> list[PhaseRow]:
    """Trend and change point of the whole suite within each phase of one run."""
    rows = []
    for phase, members in phase_segments(models):
        xs = {m.x for m in members}
        inside = [c for c in cells if c.x in xs]
        held = sorted({c.x for c in inside if c.n > 0})
        if len(held) >= 3:
            change = _change_row(suite, None, measure, inside, confidence, run_id)
        else:
            note = f"{len(held)} checkpoint(s) in the phase; a change point needs three"
            change = ChangeRow(suite, None, measure, None, note, run_id)
        rows.append(PhaseRow(suite, measure, run_id, phase, members[0].step, members[-1].step,
                             len(held), trend_test(inside, grouped=grouped), change))  # fmt: skip
    return rows


MAX_MIX_SHIFT = 0.1
"""Largest total-variation distance between a step's variant mix and the overall mix
for which a change point of the pooled rate is given."""


def _change_row(
    suite: str,
    family: str | None,
    measure: str,
    cells: Sequence[Cell],
    confidence: float,
    run_id: str = "",
) -> ChangeRow:
    """The change point of the pooled rate, unless the variant mix itself changes.

    Pooling variants whose rates differ is only sound when each step holds them in the
    same proportions: otherwise a step with more samples of a high-rate variant looks
    like a change. Rollouts whose prompts never recur have no mix to shift.
    """
    shift = _mix_shift(cells)
    if shift > MAX_MIX_SHIFT:
        note = (
            f"the mix of variants differs between steps (total variation up to {shift:.2f}), "
            "so a change of the pooled rate could be a change of mix; the first-rise test, "
            "stratified by variant, is the check here"
        )
        return ChangeRow(suite, family, measure, None, note, run_id)
    x, k, n = [c.x for c in cells], [c.k for c in cells], [c.n for c in cells]
    change = single_change(x, k, n, confidence=confidence)
    several = multiple_changes(x, k, n, confidence=confidence)
    return ChangeRow(suite, family, measure, change, None, run_id, several)


def _mix_shift(cells: Sequence[Cell]) -> float:
    """Largest total-variation distance of a step's variant shares from the overall ones.

    Only variants seen at two or more steps count.
    """
    steps_of: dict[Any, set[float]] = defaultdict(set)
    for c in cells:
        if c.n > 0:
            steps_of[c.cluster].add(c.x)
    recurring = {v for v, xs in steps_of.items() if len(xs) > 1}
    if not recurring:
        return 0.0
    by_step: dict[float, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
    overall: dict[Any, int] = defaultdict(int)
    for c in cells:
        if c.cluster in recurring and c.n > 0:
            by_step[c.x][c.cluster] += c.n
            overall[c.cluster] += c.n
    total = sum(overall.values())
    worst = 0.0
    for counts in by_step.values():
        n = sum(counts.values())
        tv = 0.5 * sum(abs(counts.get(v, 0) / n - overall[v] / total) for v in overall)
        worst = max(worst, tv)
    return worst


def _variant_row(
    m: ModelInfo, v: VariantInfo, measure: str, c: _Counts, boolean: bool, confidence: float
) -> RateRow:
    est = rate_estimate(c.k(measure, boolean), c.n(), confidence)
    return RateRow(
        level="variant", model_id=m.model_id, model=m.model, step=m.step, label=m.label,
        model_order=m.model_order, suite=v.suite, family=v.family, variant=v.name,
        variant_hash=v.variant_hash, measure=measure, n=est.n, k=est.k, rate=est.rate,
        ci_low=est.ci_low, ci_high=est.ci_high, ci_method=None if est.rate is None else "wilson",
        unparseable=c.excluded("unparseable"), error=c.excluded("error"), total=c.total(),
        n_variants=1 if est.n else 0, pooled_rate=est.rate, pooled_ci_low=est.ci_low,
        pooled_ci_high=est.ci_high, mde=(mde := minimum_detectable_effect(est.rate, est.n)),
        detectable_rate=_detectable(est.rate, mde), run_id=m.run_id,
    )  # fmt: skip


def _detectable(rate: float | None, mde: float | None) -> float | None:
    """The rate a rise must reach to be detected with 80% power (pooled rate + MDE)."""
    return None if rate is None or mde is None else rate + mde


def _aggregate_row(
    m: ModelInfo,
    level: Level,
    suite: str,
    family: str | None,
    measure: str,
    present: Sequence[tuple[VariantInfo, _Counts]],
    boolean: bool,
    confidence: float,
    rollout: bool = False,
) -> RateRow:
    counts = [(c.k(measure, boolean), c.n()) for _, c in present]
    if rollout:
        # One sample per prompt: the mean of the prompts' rates is the pooled rate, and
        # a bootstrap over prompts is a binomial one, which Wilson's interval does better.
        k, n = sum(k for k, _ in counts), sum(n for _, n in counts)
        est = rate_estimate(k, n, confidence)
        agg = Aggregate(est.rate, est.ci_low, est.ci_high, "wilson" if n else None, n, k, n,
                        est.rate, est.ci_low, est.ci_high)  # fmt: skip
    else:
        agg = aggregate_rates(counts, confidence)
    return RateRow(
        level=level, model_id=m.model_id, model=m.model, step=m.step, label=m.label,
        model_order=m.model_order, suite=suite, family=family, variant=None, variant_hash=None,
        measure=measure, n=agg.n, k=agg.k, rate=agg.mean_rate, ci_low=agg.ci_low,
        ci_high=agg.ci_high, ci_method=agg.ci_method,
        unparseable=sum(c.excluded("unparseable") for _, c in present),
        error=sum(c.excluded("error") for _, c in present),
        total=sum(c.total() for _, c in present), n_variants=agg.n_variants,
        pooled_rate=agg.pooled_rate, pooled_ci_low=agg.pooled_ci_low,
        pooled_ci_high=agg.pooled_ci_high,
        mde=(mde := minimum_detectable_effect(agg.pooled_rate, agg.n)),
        detectable_rate=_detectable(agg.pooled_rate, mde), run_id=m.run_id,
    )  # fmt: skip


def _rise_row(
    suite: str,
    family: str | None,
    measure: str,
    cells: Sequence[Cell],
    models: Sequence[ModelInfo],
    alpha: float,
    run_id: str = "",
) -> RiseRow:
    at_x = {m.x: m for m in models}
    result = first_rise(cells, alpha)

    def step_of(x: float | None) -> int | None:
        return at_x[x].step if x is not None else None

    tests = tuple(
        RiseTestRow(
            at_x[t.x].model_id, at_x[t.x].step, t.p_value, t.p_holm, t.significant,
            step_of(t.last_x), t.design, t.k, t.n,
        )
        for t in result.tests
    )  # fmt: skip
    base = at_x[result.baseline_x] if result.baseline_x is not None else None
    first = at_x[result.first_x] if result.first_x is not None else None
    hit = next((t for t in result.tests if t.significant), None)
    return RiseRow(
        suite, family, measure,
        base.model_id if base else None,
        first.model_id if first else None,
        first.step if first else None,
        tests,
        step_of(result.baseline_last_x),
        step_of(hit.last_x) if hit else None,
        result.window_min_n,
        run_id,
    )  # fmt: skip
