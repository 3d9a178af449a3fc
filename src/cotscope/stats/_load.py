"""Reading a run's shape from the store: its runs, checkpoints, variants and measures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import duckdb

from cotscope.store import (
    ALL_SAMPLES,
    BOOLEAN_MEASURE,
    SampleFilter,
    Store,
    checkpoints,
    count_samples,
)
from cotscope.suites import OutcomeDef

from ._run_stats import (
    EXCLUDED_OUTCOMES,
    ModelInfo,
    StatsError,
    XAxis,
)


def _runs(store: Store) -> list[str]:
    try:
        rows = count_samples(store, ALL_SAMPLES, ("run",))
    except duckdb.CatalogException:
        raise StatsError(f"{store.path} has no samples table") from None
    return [str(run) for (run,), _ in rows]


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
    rows = checkpoints(store, run)
    mixed = [r for r in rows if r.step != r.last_step]
    if mixed:
        r = mixed[0]
        of_model = SampleFilter(run=run, model_ids=(r.model_id,))
        n_steps = sum(step is not None for (step,), _ in count_samples(store, of_model, ("step",)))
        raise StatsError(
            f"model id {r.model_id!r} holds samples of {n_steps} different steps "
            f"({r.step}–{r.last_step}): a checkpoint is one step of one training run. "
            "If it names a training run, ingest again with `--map run=<field>` (or "
            "`--run-id`) instead of `--map model_id=<field>`; if it names the model, with "
            "`--map model=<field>`, leaving model ids to their default (`<run>/<file>@<step>`)"
        )
    run_first: dict[str, int] = {}
    for r in rows:
        run_first[r.run_id] = min(run_first.get(r.run_id, r.model_order), r.model_order)
    steps_by_run: dict[str, list[int | None]] = defaultdict(list)
    for r in rows:
        steps_by_run[r.run_id].append(r.step)
    use_steps = bool(rows) and all(
        None not in steps and len(set(steps)) == len(steps) for steps in steps_by_run.values()
    )
    axis: XAxis = "step" if use_steps else "model_order"
    ranked = sorted(
        rows,
        key=lambda r: (
            run_first[r.run_id],
            r.run_id,
            (r.step or 0) if use_steps else 0,
            r.model_order,
            r.model_id,
        ),
    )
    rank: dict[str, int] = defaultdict(int)
    models = []
    for r in ranked:
        models.append(
            ModelInfo(
                model_id=r.model_id,
                model=r.model,
                step=None if r.step is None else int(r.step),
                label=r.label,
                model_order=r.model_order,
                x=float(r.step or 0) if use_steps else float(rank[r.run_id]),
                run_id=r.run_id,
                samples=r.samples,
                phase=r.phase,
            )
        )
        rank[r.run_id] += 1
    return models, axis


def _variant_name(variant_id: str, variant_hash: str, texts_of_id: int) -> str:
    return variant_id if texts_of_id == 1 else f"{variant_id}@{variant_hash[:8]}"


def measures_for_labels(
    labels: set[str], outcomes: Sequence[OutcomeDef] = ()
) -> tuple[list[str], bool]:
    """Measures of a suite from its stored outcome labels, and whether the suite is yes/no.

    Args:
        labels: The outcome labels stored for the suite.
        outcomes: The suite's declarations (`store.suite_outcomes`): the stored labels
            are measured in declaration order (undeclared ones after, sorted), and a
            yes/no suite's measure takes the `true` outcome's label.
    """
    parseable = {lab for lab in labels if lab.lower() not in EXCLUDED_OUTCOMES}
    if parseable and {lab.lower() for lab in parseable} <= {"true", "false"}:
        name = next((o.label for o in outcomes if o.name.lower() == "true"), BOOLEAN_MEASURE)
        return [name if name.lower() not in EXCLUDED_OUTCOMES else BOOLEAN_MEASURE], True
    declared = [o.name for o in outcomes if not o.failure and o.name in parseable]
    return declared + sorted(parseable - set(declared)), False


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
