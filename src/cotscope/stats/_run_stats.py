"""The rows of a run's statistics and the `RunStats` that holds them (`stats --json`).

Outcome semantics: a *measure* is the rate of one outcome label. `unparseable`
and `error` samples are excluded from the denominator and reported beside it.
A suite whose other labels are all `true`/`false` is boolean: its one measure
is `true`, with n = count(true or false).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from cotscope.suites import OutcomeDef

from ._aggregate import DEFAULT_RESAMPLES, DEFAULT_SEED
from ._bins import BinnedRates
from ._changepoint import ChangePoint, Segmentation
from ._runs import RunDiffRow
from ._summary import SummaryLine
from ._trend import TrendResult

EXCLUDED_OUTCOMES = ("unparseable", "error")
"""Outcomes that are never in a denominator; always counted beside the rate."""

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
    samples: int = 0
    """Its samples, of every suite and outcome (failures included)."""
    phase: str = ""
    """Its training phase (`""` when not recorded)."""

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
    detectable_rate: float | None = None
    """`pooled_rate + mde`: the rate a rise must reach to be detected with 80% power."""


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
class PhaseRow:
    """Trend and change point of one measure (whole suite) within one phase of a run.

    A phase boundary is a known change of training (a new objective, an SFT stage), so a
    change point found across it says what the recipe already says; within a phase it
    is a finding. Given only for runs whose checkpoints record two or more phases.
    """

    suite: str
    measure: str
    run_id: str
    phase: str
    first_step: int | None
    last_step: int | None
    checkpoints: int
    """Checkpoints of the phase holding samples of the measure."""
    trend: TrendResult
    change: ChangeRow
    """The phase's change point (`change.change` None below three checkpoints)."""


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
    phases: list[PhaseRow] = field(default_factory=list)
    """Trends and change points within each phase of runs that record several phases."""
    summary: list[SummaryLine] = field(default_factory=list)
    """Every measure's finding as a sentence, per training run, then the run comparisons."""
    families: dict[str, list[str]] = field(default_factory=dict)
    """Suite → its variant families, sorted."""
    rollouts: dict[str, int] = field(default_factory=dict)
    """Suites of rollouts (every prompt sampled once, over several checkpoints) → their
    prompts. Their rates are pooled per checkpoint with Wilson intervals, which is the
    mean of one-sample variants; they have no variant rows and no `variants` entries."""
    outcomes: dict[str, tuple[OutcomeDef, ...]] = field(default_factory=dict)
    """Suite → what each of its outcome labels means (its declarations, as stored)."""
    outcome_counts: dict[str, int] = field(default_factory=dict)
    """Samples of the whole run per outcome label (failures included), most first."""

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
    def samples(self) -> int:
        """Samples of the run, of every suite and outcome (failures included)."""
        return sum(m.samples for m in self.models)

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
                           **_plain(t.result)})  # fmt: skip
        return {
            "schema": "cotscope.stats/1",
            "run": self.run,
            "summary": {
                "text": " ".join(line.text for line in self.summary),
                "lines": _plain(self.summary),
            },
            "x_axis": self.x_axis,
            "runs": self.runs,
            "confidence": self.confidence,
            "bootstrap": {"resamples": DEFAULT_RESAMPLES, "seed": DEFAULT_SEED},
            "excluded_outcomes": list(EXCLUDED_OUTCOMES),
            "models": [
                {**m_, "tick": m.tick}
                for m_, m in zip(_plain(self.models), self.models, strict=True)
            ],
            "variants": _plain(self.variants),
            "families": self.families,
            "rollouts": self.rollouts,
            "measures": self.measures,
            "outcomes": {
                suite: [o.model_dump() for o in outcomes]
                for suite, outcomes in self.outcomes.items()
            },
            "outcome_counts": self.outcome_counts,
            "rates": _plain(self.rates),
            "trends": trends,
            "first_rise": _plain(self.rises),
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
            "run_differences": _plain(self.run_diffs),
            "phases": [
                {
                    "run_id": p.run_id,
                    "suite": p.suite,
                    "measure": p.measure,
                    "phase": p.phase,
                    "first_step": p.first_step,
                    "last_step": p.last_step,
                    "checkpoints": p.checkpoints,
                    "trend": _plain(p.trend),
                    "change": p.change.change.model_dump() if p.change.change else None,
                    "change_note": p.change.note,
                }
                for p in self.phases
            ],
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


def _plain(rows: Any) -> Any:
    # msgspec converts dataclasses to dicts in C: `asdict` took seconds on the rows of
    # a million-rollout log. Tuples become lists, which JSON makes of them anyway.
    import msgspec

    return msgspec.to_builtins(rows, builtin_types=(float,))
