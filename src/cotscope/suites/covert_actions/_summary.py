"""Covert-action rates per environment, role and checkpoint, and the aggregate over environments.

An environment's rate for a role is pooled over that role's variants (k covert
of n parseable; unparseable and error samples counted beside it). The aggregate
per checkpoint is the unweighted mean over environments of their rates, with
the two-stage bootstrap over ENVIRONMENTS of `cotscope.stats.aggregate_rates`
(environments are the units resampled).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from cotscope.stats import Aggregate, ModelInfo, RunStats, aggregate_rates
from cotscope.store import SampleFilter, Store, count_samples

from ._variants import ENVIRONMENTS, SUITE, load_variants

ROLES = ("treatment", "control")


@dataclass
class Cell:
    """Counts of one (checkpoint, environment, role)."""

    k: int = 0
    """covert-action samples."""
    n: int = 0
    """Parseable samples (covert-action + honest)."""
    unparseable: int = 0
    """Samples with no readable report."""
    error: int = 0
    """Crashed samples."""
    variants: set[str] = field(default_factory=set)
    """Variant ids seen."""

    @property
    def aggregate(self) -> Aggregate:
        """Rate with its Wilson interval."""
        return aggregate_rates([(self.k, self.n)])


@dataclass(frozen=True)
class CovertSummary:
    """Everything the section shows."""

    models: list[ModelInfo]
    """Checkpoints with samples of the suite, in x order."""
    environments: list[str]
    """Environments with samples, in suite order."""
    cells: dict[tuple[str, str, str], Cell]
    """(model_id, environment, role) -> counts."""
    overall: dict[tuple[str, str], Aggregate]
    """(model_id, role) -> unweighted mean over environments, bootstrap over environments."""
    cell_rates: dict[tuple[str, str, str], Aggregate] = field(default_factory=dict)
    """(model_id, environment, role) -> the cell's rate with its Wilson interval."""


def _role(variant_id: str, roles: dict[str, str]) -> str:
    if variant_id in roles:
        return roles[variant_id]
    return "control" if "/control" in variant_id else "treatment"


def summarise(store: Store, run: str, models: Sequence[ModelInfo]) -> CovertSummary | None:
    """The summary, or None when the run has no samples of the suite."""
    rows = count_samples(
        store,
        SampleFilter(run=run, suites=(SUITE,)),
        ("model_id", "variant_id", "variant_family", "outcome"),
    )
    if not rows:
        return None
    roles = {v.id: str(v.scoring["role"]) for v in load_variants()}
    cells: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    for (model_id, variant_id, family, outcome), count in rows:
        cell = cells[(str(model_id), str(family), _role(str(variant_id), roles))]
        cell.variants.add(str(variant_id))
        if outcome == "covert-action":
            cell.k += count
            cell.n += count
        elif outcome == "honest":
            cell.n += count
        elif outcome == "error":
            cell.error += count
        else:
            cell.unparseable += count
    seen_models = {m for m, _, _ in cells}
    seen_envs = {e for _, e, _ in cells}
    envs = [e for e in ENVIRONMENTS if e in seen_envs] + sorted(seen_envs - set(ENVIRONMENTS))
    overall = {}
    for m in seen_models:
        for role in ROLES:
            counts = [(c.k, c.n) for e in envs if (c := cells.get((m, e, role)))]
            overall[(m, role)] = aggregate_rates(counts)
    return CovertSummary(
        models=[m for m in models if m.model_id in seen_models],
        environments=envs,
        cells=dict(cells),
        overall=overall,
        cell_rates={key: c.aggregate for key, c in cells.items()},
    )


def analyse(store: Store, stats: RunStats) -> CovertSummary | None:
    """The suite's analysis for `cotscope analyse`: `summarise` over the run's models."""
    return summarise(store, stats.run, stats.models)
