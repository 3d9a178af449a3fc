"""Rubric-focus rates per checkpoint: lexical outcomes and, when graded, the judge's labels.

A rate per checkpoint is the unweighted mean over environments of each
environment's rate (its ask phrasings pooled), with a bootstrap over environments
(`cotscope.stats.aggregate_rates`); the pooled rate is kept beside it. The trend
is the clustered logistic trend over checkpoints with environments as clusters.
Unparseable and errored samples (lexical) and failed or `not-a-rubric` grades
(judge) are never in a denominator; they are counted beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from cotscope.stats import (
    Aggregate,
    Cell,
    ModelInfo,
    RunStats,
    TrendResult,
    aggregate_rates,
    trend_test,
)
from cotscope.store import GradeFilter, SampleFilter, Store, count_samples, graded_samples

from ._lexicon import load_lexicon
from ._validate import LexiconCheck, lexicon_checks
from ._variants import SUITE

GRADER = "rubric-focus"
"""Name of the judge rubric whose labels are shown beside the lexical ones."""
JUDGE_LABELS = {"alignment": "alignment-centred", "capability": "capability-centred"}
JUDGE_LABELS |= {"mixed": "mixed"}
MEASURES = ("capability-centred", "alignment-centred", "mixed")


def environment_of(variant_id: str) -> str:
    """The environment of a variant id `<environment>/<ask>`."""
    return variant_id.split("/", 1)[0]


@dataclass
class Counts:
    """Outcome counts of one cell (a checkpoint × environment)."""

    by_outcome: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Samples (or grades) per outcome."""

    @property
    def n(self) -> int:
        """Classified samples: the denominator."""
        return sum(self.by_outcome.get(m, 0) for m in MEASURES)

    @property
    def excluded(self) -> int:
        """Samples outside the denominator (unparseable, error, failed, not a rubric)."""
        return sum(v for k, v in self.by_outcome.items() if k not in MEASURES)


@dataclass(frozen=True)
class CheckpointRate:
    """One measure at one checkpoint, aggregated over environments."""

    model: ModelInfo
    measure: str
    aggregate: Aggregate
    excluded: dict[str, int]
    """Counts outside the denominator, by outcome."""


@dataclass(frozen=True)
class Series:
    """One source of labels (the lexical classifier, or one judge) over the checkpoints."""

    source: str
    """`lexical` or the judge key."""
    cells: dict[tuple[str, str], Counts]
    """(model_id, environment) → counts."""
    rates: list[CheckpointRate]
    """Every measure at every checkpoint with data."""
    trend: TrendResult
    """Logistic trend of the capability-centred rate over checkpoints."""

    def rate(self, model_id: str, measure: str = "capability-centred") -> CheckpointRate | None:
        """The rate of a measure at one checkpoint, if it has data."""
        return next(
            (r for r in self.rates if r.model.model_id == model_id and r.measure == measure), None
        )


@dataclass(frozen=True)
class RubricFocusAnalysis:
    """Everything the report section shows."""

    models: list[ModelInfo]
    environments: dict[str, str]
    """Environment → family, in first-seen order."""
    lexical: Series
    judges: list[Series]
    rubric_hashes: dict[str, str]
    """Judge key → rubric-focus hash of its grades."""
    lexicon: str = ""
    """Label of the shipped lexicon (`v<version>@<hash12>`) that `lexicon_checks` scored."""
    lexicon_checks: list[LexiconCheck] = field(default_factory=list)
    """The lexical classifier's precision and recall on the shipped hand-labelled rubrics."""


def _series(source: str, cells: dict[tuple[str, str], Counts], models: list[ModelInfo]) -> Series:
    rates = []
    trend_cells = []
    envs = sorted({env for _, env in cells})
    for m in models:
        present = [cells[(m.model_id, e)] for e in envs if (m.model_id, e) in cells]
        if not present:
            continue
        excluded: dict[str, int] = defaultdict(int)
        for c in present:
            for k, v in c.by_outcome.items():
                if k not in MEASURES:
                    excluded[k] += v
        for measure in MEASURES:
            agg = aggregate_rates([(c.by_outcome.get(measure, 0), c.n) for c in present])
            rates.append(CheckpointRate(m, measure, agg, dict(excluded)))
        for e in envs:
            cell = cells.get((m.model_id, e))
            if cell is not None and cell.n:
                hits = cell.by_outcome.get("capability-centred", 0)
                trend_cells.append(Cell(e, m.x, hits, cell.n))
    return Series(source, cells, rates, trend_test(trend_cells))


def analyse(store: Store, stats: RunStats) -> RubricFocusAnalysis | None:
    """The suite's rates over checkpoints, or None when the run has no sample of it.

    Args:
        store: The run's store.
        stats: The run's statistics (models and their x positions).

    Returns:
        Lexical and judge-based series, or None.
    """
    # Keyed by variant first: environments are listed in the order of their variant ids.
    rows = count_samples(
        store,
        SampleFilter(run=stats.run, suites=(SUITE,)),
        ("variant_id", "model_id", "variant_family", "outcome"),
    )
    if not rows:
        return None
    environments: dict[str, str] = {}
    lexical: dict[tuple[str, str], Counts] = defaultdict(Counts)
    for (variant_id, model_id, family, outcome), c in rows:
        env = environment_of(str(variant_id))
        environments.setdefault(env, str(family))
        lexical[(str(model_id), env)].by_outcome[str(outcome)] += c
    judge_cells, hashes = _judge_cells(store, stats.run)
    return RubricFocusAnalysis(
        models=stats.models,
        environments=environments,
        lexical=_series("lexical", lexical, stats.models),
        judges=[_series(j, cells, stats.models) for j, cells in judge_cells.items()],
        rubric_hashes=hashes,
        lexicon=load_lexicon().label,
        lexicon_checks=lexicon_checks(),
    )


def _judge_cells(
    store: Store, run: str
) -> tuple[dict[str, dict[tuple[str, str], Counts]], dict[str, str]]:
    rows = graded_samples(
        store,
        ("judge", "rubric_hash", "outcome", "label"),
        ("model_id", "variant_id"),
        SampleFilter(run=run, suites=(SUITE,)),
        GradeFilter(rubric=GRADER),
    )
    out: dict[str, dict[tuple[str, str], Counts]] = defaultdict(lambda: defaultdict(Counts))
    hashes: dict[str, str] = {}
    for g, s in sorted(rows, key=lambda row: str(row.grade["judge"])):
        judge = str(g["judge"])
        hashes[judge] = str(g["rubric_hash"])
        if g["outcome"] == "graded":
            outcome = JUDGE_LABELS.get(str(g["label"]), str(g["label"]))
        else:
            outcome = str(g["outcome"])
        key = (str(s["model_id"]), environment_of(str(s["variant_id"])))
        out[judge][key].by_outcome[outcome] += 1
    return {j: dict(c) for j, c in out.items()}, hashes
