"""Read a run's store and compute every statistic the report and `cotscope stats` show.

Counts are aggregated in DuckDB (one GROUP BY over the samples); everything after
that works on a few thousand count cells, never on sample rows.

Outcome semantics: a *measure* is the rate of one outcome label. `unparseable`
and `error` samples are excluded from the denominator and reported beside it.
A suite whose other labels are all `true`/`false` is boolean: its one measure
is `true`, with n = count(true or false).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import duckdb

from cotscope.store import Store

from ._aggregate import DEFAULT_RESAMPLES, DEFAULT_SEED, Aggregate, aggregate_rates
from ._bins import DENSE_STEPS, BinnedRates, binned_rates
from ._changepoint import ChangePoint, Segmentation, multiple_changes, single_change
from ._intervals import rate_estimate
from ._power import minimum_detectable_effect
from ._runs import RunDiffRow, compare_runs
from ._summary import SummaryLine, summarise
from ._trend import Cell, TrendResult, first_rise, trend_test

EXCLUDED_OUTCOMES = ("unparseable", "error")
"""Outcomes that are never in a denominator; always counted beside the rate."""
_KNOWN_ORDER = ("follows-hint", "follows-instruction", "other")
BOOLEAN_MEASURE = "true"

XAxis = Literal["step", "model_order"]
Level = Literal["variant", "family", "suite"]


class StatsError(ValueError):
    """The store cannot answer the question (no samples, unknown run or model)."""


@dataclass(frozen=True)
class ModelInfo:
    """One model or checkpoint of the run, in x order."""

    model_id: str
    model: str
    step: int | None
    label: str | None
    model_order: int
    x: float
    """Position on the x axis: the step, or the model's rank in the spec's order (0, 1, ...)."""
    run_id: str = ""
    """The training run the checkpoint belongs to (`""`: the one unnamed run)."""

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the checkpoint in a store: (run_id, model_id)."""
        return self.run_id, self.model_id

    @property
    def tick(self) -> str:
        """Axis label: the step, else the label, else the id."""
        return str(self.step) if self.step is not None else (self.label or self.model_id)


@dataclass(frozen=True)
class VariantInfo:
    """One variant (id and text hash) of a suite."""

    suite: str
    variant_id: str
    variant_hash: str
    family: str
    name: str
    """Display name: the id, or `id@hash8` when one id has several texts."""


@dataclass(frozen=True)
class RateRow:
    """One rate: a measure for one model at one level (variant, family or whole suite)."""

    level: Level
    model_id: str
    model: str
    step: int | None
    label: str | None
    model_order: int
    suite: str
    family: str | None
    variant: str | None
    variant_hash: str | None
    measure: str
    n: int
    k: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str | None
    unparseable: int
    error: int
    total: int
    n_variants: int
    pooled_rate: float | None
    pooled_ci_low: float | None
    pooled_ci_high: float | None
    mde: float | None
    run_id: str = ""


@dataclass(frozen=True)
class TrendRow:
    """The trend test of one measure over the x axis, for a family or the whole suite."""

    suite: str
    family: str | None
    measure: str
    result: TrendResult
    run_id: str = ""
    """The training run whose checkpoints were tested."""


@dataclass(frozen=True)
class ChangeRow:
    """The most likely change of one measure over training steps (step axis only)."""

    suite: str
    family: str | None
    measure: str
    change: ChangePoint | None
    """None with fewer than two steps holding samples, or see `note`."""
    note: str | None = None
    """Why no change point is given, when there is a reason beyond too few steps."""
    run_id: str = ""
    """The training run whose steps were searched."""
    segmentation: Segmentation | None = None
    """Every change found by the penalised search (several changes); None with `change`."""


@dataclass(frozen=True)
class BinnedRow:
    """A dense run's rate (more than `DENSE_STEPS` steps) in bins of equal n and smoothed."""

    suite: str
    measure: str
    run_id: str
    binned: BinnedRates


@dataclass(frozen=True)
class RiseTestRow:
    """One checkpoint (or window of steps) compared with the first."""

    model_id: str
    step: int | None
    p_value: float | None
    p_holm: float | None
    significant: bool
    last_step: int | None = None
    """Last step of a window of pooled steps (equal to `step` for one checkpoint)."""
    design: str = "paired"
    """`paired` (CMH over shared variants) or `unpaired` (Fisher exact, pooled counts)."""
    k: int = 0
    """Samples with the outcome in the checkpoint or window."""
    n: int = 0
    """Samples in the checkpoint or window."""


@dataclass(frozen=True)
class RiseRow:
    """Where a measure first rises significantly above the first checkpoint."""

    suite: str
    family: str | None
    measure: str
    baseline_model_id: str | None
    first_rise_model_id: str | None
    first_rise_step: int | None
    tests: tuple[RiseTestRow, ...]
    baseline_last_step: int | None = None
    """Last step of the baseline window (rollouts pooled into windows)."""
    first_rise_last_step: int | None = None
    """Last step of the first significant window."""
    window_min_n: int | None = None
    """Samples per window when steps were pooled (no shared prompts); None otherwise."""
    run_id: str = ""
    """The training run whose checkpoints were tested."""


@dataclass
class RunStats:
    """Everything `cotscope stats` prints and the report draws."""

    run: str
    x_axis: XAxis
    confidence: float
    models: list[ModelInfo]
    variants: list[VariantInfo]
    measures: dict[str, list[str]]
    rates: list[RateRow] = field(default_factory=list)
    trends: list[TrendRow] = field(default_factory=list)
    rises: list[RiseRow] = field(default_factory=list)
    changes: list[ChangeRow] = field(default_factory=list)
    """Change points; empty when the x axis is the model list rather than steps."""
    run_diffs: list[RunDiffRow] = field(default_factory=list)
    """Every later training run against the first; empty with one run."""
    binned: list[BinnedRow] = field(default_factory=list)
    """Whole-suite rates of dense runs in step bins and smoothed; empty for sparse runs."""
    summary: list[SummaryLine] = field(default_factory=list)
    """Every measure's finding as a sentence, per training run, then the run comparisons."""
    families: dict[str, list[str]] = field(default_factory=dict)
    """Suite → its variant families, sorted."""
    rollouts: dict[str, int] = field(default_factory=dict)
    """Suites of rollouts (every prompt sampled once, over several checkpoints) → their
    prompts. Their rates are pooled per checkpoint with Wilson intervals, which is the
    mean of one-sample variants; they have no variant rows and no `variants` entries."""

    def curve(self, suite: str, measure: str, run_id: str = "") -> list[RateRow]:
        """The whole-suite rates of one measure and training run, in x order."""
        order = {m.key: i for i, m in enumerate(self.models)}
        key = (suite, measure, run_id, "suite")
        rows = [r for r in self.rates if (r.suite, r.measure, r.run_id, r.level) == key]
        return sorted(rows, key=lambda r: order[(r.run_id, r.model_id)])

    def binned_for(self, suite: str, measure: str, run_id: str = "") -> BinnedRates | None:
        """The binned rates of one measure and run, when the run is dense."""
        key = (suite, measure, run_id)
        return next((b.binned for b in self.binned if (b.suite, b.measure, b.run_id) == key), None)

    @property
    def runs(self) -> list[str]:
        """The training runs in the store's order (`[""]` for one unnamed run)."""
        return list(dict.fromkeys(m.run_id for m in self.models))

    def change_for(
        self, suite: str, family: str | None, measure: str, run_id: str = ""
    ) -> ChangeRow | None:
        """The change-point row of one measure, family and run (None off the step axis)."""
        key = (suite, family, measure, run_id)
        return next(
            (c for c in self.changes if (c.suite, c.family, c.measure, c.run_id) == key), None
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `cotscope stats --json` (schema in docs/stats-json.md)."""
        trends = []
        for t in self.trends:
            trends.append({"run_id": t.run_id, "suite": t.suite, "family": t.family,
                           "measure": t.measure, "x_axis": self.x_axis,
                           **asdict(t.result)})  # fmt: skip
        return {
            "schema": "cotscope.stats/1",
            "run": self.run,
            "summary": {
                "text": " ".join(line.text for line in self.summary),
                "lines": [asdict(line) for line in self.summary],
            },
            "x_axis": self.x_axis,
            "runs": self.runs,
            "confidence": self.confidence,
            "bootstrap": {"resamples": DEFAULT_RESAMPLES, "seed": DEFAULT_SEED},
            "excluded_outcomes": list(EXCLUDED_OUTCOMES),
            "models": [{**asdict(m), "tick": m.tick} for m in self.models],
            "variants": [asdict(v) for v in self.variants],
            "families": self.families,
            "rollouts": self.rollouts,
            "measures": self.measures,
            "rates": [asdict(r) for r in self.rates],
            "trends": trends,
            "first_rise": [asdict(r) for r in self.rises],
            "change_points": [
                {
                    "run_id": c.run_id,
                    "suite": c.suite,
                    "family": c.family,
                    "measure": c.measure,
                    "note": c.note,
                    "change": c.change.model_dump() if c.change else None,
                    "sentence": c.change.sentence(f"{c.measure} rate") if c.change else None,
                    "segmentation": c.segmentation.model_dump() if c.segmentation else None,
                }
                for c in self.changes
            ],
            "run_differences": [asdict(d) for d in self.run_diffs],
            "step_bins": [
                {
                    "suite": b.suite,
                    "measure": b.measure,
                    "run_id": b.run_id,
                    **b.binned.model_dump(),
                }
                for b in self.binned
            ],  # fmt: skip
        }


def _runs(store: Store) -> list[str]:
    try:
        rows = store.query("SELECT DISTINCT run FROM samples ORDER BY run")
    except duckdb.CatalogException:
        raise StatsError(f"{store.path} has no samples table") from None
    return [str(r["run"]) for r in rows]


def resolve_run(store: Store, run: str | None) -> str:
    """The run to analyse: `run` if given, else the store's only run."""
    runs = _runs(store)
    if not runs:
        raise StatsError(f"no samples in {store.path}")
    if run is None:
        if len(runs) > 1:
            raise StatsError(f"the store holds several runs; pick one with --run: {runs}")
        return runs[0]
    if run not in runs:
        raise StatsError(f"no run {run!r} in {store.path}; runs: {runs}")
    return run


def load_models(store: Store, run: str) -> tuple[list[ModelInfo], XAxis]:
    """The run's checkpoints in x order (run by run), and which x axis they define.

    A checkpoint is one model id of one training run (`run_id`). Steps define the axis
    when every checkpoint has one and no two of the same training run share it;
    otherwise checkpoints sit at their rank in the spec's order (ties broken by id).

    Raises:
        StatsError: when a model id holds several steps (a training run mapped to
            `model_id`): its checkpoints cannot be told apart.
    """
    rows = store.query(
        "SELECT coalesce(run_id, '') AS run_id, model_id, any_value(model) AS model,"
        " min(step) AS step, max(step) AS last_step, count(DISTINCT step) AS n_steps,"
        " any_value(label) AS label, min(model_order) AS model_order"
        " FROM samples WHERE run = ? GROUP BY ALL",
        [run],
    )
    mixed = [r for r in rows if int(r["n_steps"]) > 1]
    if mixed:
        r = mixed[0]
        raise StatsError(
            f"model id {r['model_id']!r} holds samples of {r['n_steps']} different steps "
            f"({r['step']}–{r['last_step']}): a checkpoint is one step of one training run. "
            "If it names a training run, ingest again with `--map run=<field>` (or "
            "`--run-id`) instead of `--map model_id=<field>`; if it names the model, with "
            "`--map model=<field>`, leaving model ids to their default (`<run>/<file>@<step>`)"
        )
    run_first: dict[str, int] = {}
    for r in rows:
        order = int(r["model_order"] or 0)
        run_first[r["run_id"]] = min(run_first.get(r["run_id"], order), order)
    steps_by_run: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        steps_by_run[r["run_id"]].append(r["step"])
    use_steps = bool(rows) and all(
        None not in steps and len(set(steps)) == len(steps) for steps in steps_by_run.values()
    )
    axis: XAxis = "step" if use_steps else "model_order"
    ranked = sorted(
        rows,
        key=lambda r: (
            run_first[r["run_id"]],
            r["run_id"],
            r["step"] if use_steps else 0,
            int(r["model_order"] or 0),
            str(r["model_id"]),
        ),
    )
    rank: dict[str, int] = defaultdict(int)
    models = []
    for r in ranked:
        models.append(
            ModelInfo(
                model_id=str(r["model_id"]),
                model=str(r["model"]),
                step=None if r["step"] is None else int(r["step"]),
                label=r["label"],
                model_order=int(r["model_order"] or 0),
                x=float(r["step"]) if use_steps else float(rank[r["run_id"]]),
                run_id=str(r["run_id"]),
            )
        )
        rank[r["run_id"]] += 1
    return models, axis


def _variant_name(variant_id: str, variant_hash: str, texts_of_id: int) -> str:
    return variant_id if texts_of_id == 1 else f"{variant_id}@{variant_hash[:8]}"


INGEST_SUITE = "ingested"
"""The suite `cotscope ingest` stores into without `--suite` (as `ingest.DEFAULT_SUITE`;
not imported, so stats does not load the ingest package)."""


def boolean_measure_name(store: Store, run: str, suite: str | None = None) -> str:
    """What a true/false outcome of `suite` (None: any suite) measures.

    That is the ingests' `--outcome-name`, else the field they mapped to `outcome` (its
    last path segment), else `true`. An ingest counts for the suite it stored into
    (`--suite`, else `ingested`); one that mapped the suite from a field counts for all.
    """
    rows = store.query("SELECT spec FROM runs WHERE run = ?", [run])
    if not rows:
        return BOOLEAN_MEASURE
    raw = rows[0]["spec"]
    spec = json.loads(raw) if isinstance(raw, str) else raw
    names = set()
    for entry in (spec or {}).get("ingests", []) if isinstance(spec, dict) else []:
        mapped = entry.get("map") or {}
        into = entry.get("suite") or (None if "suite" in mapped else INGEST_SUITE)
        if suite is not None and into is not None and into != suite:
            continue
        field_name = entry.get("outcome_name") or (entry.get("map") or {}).get("outcome")
        names.add(str(field_name).split(".")[-1] if field_name else BOOLEAN_MEASURE)
    name = names.pop() if len(names) == 1 else BOOLEAN_MEASURE
    return name if name.lower() not in EXCLUDED_OUTCOMES else BOOLEAN_MEASURE


def measures_for_labels(
    labels: set[str], boolean_name: str = BOOLEAN_MEASURE
) -> tuple[list[str], bool]:
    """Measures of a suite from its outcome labels, and whether the suite is boolean.

    Args:
        labels: The outcome labels stored for the suite.
        boolean_name: The measure's name when the labels are true/false.
    """
    parseable = {lab for lab in labels if lab.lower() not in EXCLUDED_OUTCOMES}
    if parseable and {lab.lower() for lab in parseable} <= {"true", "false"}:
        return [boolean_name], True
    known = [lab for lab in _KNOWN_ORDER if lab in parseable]
    return known + sorted(parseable - set(known)), False


@dataclass
class _Counts:
    by_label: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @cached_property
    def _summary(self) -> tuple[int, int, int, int, int]:
        n = true = unparseable = error = 0
        for label, count in self.by_label.items():
            low = label.lower()
            if low == "unparseable":
                unparseable += count
            elif low == "error":
                error += count
            else:
                n += count
                true += count if low == "true" else 0
        return n, true, unparseable, error, n + unparseable + error

    def n(self) -> int:
        return self._summary[0]

    def k(self, measure: str, boolean: bool) -> int:
        return self._summary[1] if boolean else self.by_label.get(measure, 0)

    def excluded(self, name: str) -> int:
        return self._summary[2] if name == "unparseable" else self._summary[3]

    def total(self) -> int:
        return self._summary[4]


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
    cur = store.con.execute(
        "SELECT coalesce(run_id, ''), model_id, suite, variant_id, variant_hash,"
        " any_value(variant_family), outcome, count(*) FROM samples"
        " WHERE run = ? AND NOT list_contains(?, suite) GROUP BY ALL",
        [run, list(rollouts)],
    )
    for run_id, model_id, suite, vid, vhash, family, outcome, count in cur.fetchall():
        cells[(run_id, model_id, suite, vid, vhash)].by_label[str(outcome)] += int(count)
        families[(suite, vid, vhash)] = str(family)
        labels[suite].add(str(outcome))
    # Rollouts: counted per checkpoint and family in SQL, one pseudo-variant per family.
    pseudo: dict[tuple[str, str, str], VariantInfo] = {}
    cur = store.con.execute(
        "SELECT coalesce(run_id, ''), model_id, suite, variant_family, outcome, count(*)"
        " FROM samples WHERE run = ? AND list_contains(?, suite) GROUP BY ALL",
        [run, list(rollouts)],
    )
    for run_id, model_id, suite, family, outcome, count in cur.fetchall():
        v = pseudo.setdefault(
            (suite, str(family), ""),
            VariantInfo(suite, f"({family})", "", str(family), f"{family} rollouts"),
        )
        cells[(run_id, model_id, suite, v.variant_id, "")].by_label[str(outcome)] += int(count)
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
    for suite in sorted(labels):
        boolean_name = boolean_measure_name(store, run, suite)
        measures[suite], booleans[suite] = measures_for_labels(labels[suite], boolean_name)

    stats = RunStats(run, axis, confidence, models, variants, measures, rollouts=rollouts)
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
    rows = store.query(
        "SELECT suite, max(c) AS most, count(*) AS prompts FROM (SELECT suite, variant_id,"
        " variant_hash, count(*) AS c FROM samples WHERE run = ? GROUP BY ALL) GROUP BY suite",
        [run],
    )
    return {str(r["suite"]): int(r["prompts"]) for r in rows if int(r["most"]) == 1}


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
        pooled_ci_high=est.ci_high, mde=minimum_detectable_effect(est.rate, est.n),
        run_id=m.run_id,
    )  # fmt: skip


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
        pooled_ci_high=agg.pooled_ci_high, mde=minimum_detectable_effect(agg.pooled_rate, agg.n),
        run_id=m.run_id,
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
