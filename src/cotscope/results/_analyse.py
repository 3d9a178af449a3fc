"""`cotscope analyse`: run every measure that applies and store its result.

Each measure's inputs hash (its version, options and the fingerprints of the
tables it reads) is compared with the stored one: an unchanged measure is not
recomputed, and new samples, grades or interventions recompute exactly the
measures that read them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from cotscope.stats import RunStats, collect_stats, resolve_run
from cotscope.store import (
    SampleFilter,
    Store,
    StoredResult,
    count_samples,
    delete_result,
    encode_result,
    inputs_hash,
    read_results,
    require_store,
    table_fingerprint,
    write_result,
    writer_lock,
)

from ._measures import Measure, builtin_measures, run_files_hash, suite_measures

Status = Literal["computed", "up to date", "not applicable", "failed"]


class MeasureStatus(BaseModel):
    """What `analyse` did with one measure."""

    measure: str
    """The measure's name."""

    status: Status
    """`computed` (and stored), `up to date` (stored result kept), `not applicable`
    (nothing to measure in this run; stored as such, so it is not redone) or `failed`
    (any old result removed)."""

    seconds: float = 0.0
    """Time spent computing it (0 when up to date)."""

    error: str | None = None
    """Why it failed."""


class AnalyseReport(BaseModel):
    """Every measure's status after one `analyse`."""

    run: str
    """The run analysed."""

    measures: list[MeasureStatus]
    """One entry per measure, in the order they ran."""

    @property
    def failed(self) -> list[MeasureStatus]:
        """The measures that failed."""
        return [m for m in self.measures if m.status == "failed"]


def measures_for(store: Store, run: str) -> list[Measure]:
    """The built-in measures and the analyses of the suites this run holds."""
    suites = [str(suite) for (suite,), _ in count_samples(store, SampleFilter(run=run), ("suite",))]
    return [*builtin_measures(), *suite_measures(suites)]


def measure_hashes(store: Store, run: str, measures: list[Measure]) -> dict[str, str]:
    """Each measure's inputs hash, from the current rows of the tables it reads."""
    tables = {t for m in measures for t in m.tables}
    prints = {t: table_fingerprint(store, t, run) for t in sorted(tables)}
    return {
        m.name: inputs_hash(
            {
                "measure": m.name,
                "version": m.version,
                "options": m.options,
                "tables": {t: prints[t] for t in m.tables},
                **({"files": run_files_hash(store.run_dir, m.run_files)} if m.run_files else {}),
            }
        )  # fmt: skip
        for m in measures
    }


@dataclass(frozen=True)
class ResultsState:
    """Which stored results of a run match the store's rows now (found once, used by all)."""

    measures: list[Measure]
    """Every measure that applies to the run's suites, in the order they run."""

    heads: dict[str, StoredResult]
    """The stored results, without their payloads."""

    hashes: dict[str, str]
    """Each measure's inputs hash from the rows as they are now."""

    @property
    def current(self) -> list[str]:
        """Measures whose stored result was computed from the rows as they are now."""
        return [n for n, h in self.heads.items() if self.hashes.get(n) == h.inputs_hash]

    @property
    def stale(self) -> list[str]:
        """Measures whose stored result is missing or was computed from other rows.

        A measure that did not apply is stored with a null payload, and is stale like
        any other when its inputs change.
        """
        return [
            m.name
            for m in self.measures
            if m.name not in self.heads or self.heads[m.name].inputs_hash != self.hashes[m.name]
        ]


def results_state(store: Store, run: str) -> ResultsState:
    """The run's measures, stored result heads and current inputs hashes."""
    measures = measures_for(store, run)
    heads = read_results(store, run, payload=False)
    return ResultsState(measures, heads, measure_hashes(store, run, measures))


def current_results(
    store: Store,
    run: str,
    measures: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    state: ResultsState | None = None,
) -> dict[str, StoredResult]:
    """The run's stored results whose inputs hash matches the store's rows now.

    Args:
        store: An open store.
        run: Run name.
        measures: Only these measures (their payloads are parsed); None for all.
        exclude: Leave these out (e.g. `rates`, read on its own by `run_stats`).
        state: The run's `results_state`, when the caller already has it.
    """
    state = state or results_state(store, run)
    wanted = [
        name
        for name in state.current
        if (measures is None or name in measures) and name not in exclude
    ]
    return read_results(store, run, wanted)


def analyse(
    run_dir: str | Path,
    run: str | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> AnalyseReport:
    """Compute and store every measure of a run whose inputs changed since it last ran.

    Args:
        run_dir: The run directory.
        run: Run name when the store holds several.
        force: Recompute every measure.
        progress: Called with one line per measure as it starts.

    Returns:
        What happened to each measure. A measure that raised is reported as failed
        with its error; the others still run, and its old result is removed so that
        nothing stale is read as current.
    """
    require_store(run_dir)  # before the lock: a missing store must not leave a lock file
    with writer_lock(run_dir, "cotscope analyse"), Store(run_dir, create=False) as store:
        run = resolve_run(store, run)
        state = results_state(store, run)
        stored, hashes = state.heads, state.hashes
        stats: RunStats | None = None
        statuses = []
        for m in state.measures:
            if not force and m.name in stored and stored[m.name].inputs_hash == hashes[m.name]:
                kept: Status = "up to date" if stored[m.name].applies else "not applicable"
                statuses.append(MeasureStatus(measure=m.name, status=kept))
                continue
            if progress is not None:
                progress(m.name)
            started = time.perf_counter()
            try:
                if stats is None:
                    stats = collect_stats(store, run)
                result = m.compute(store, stats)
            except Exception as ex:  # one broken measure must not hide the others
                delete_result(store, run, m.name)
                error = f"{type(ex).__name__}: {ex}"
                statuses.append(MeasureStatus(measure=m.name, status="failed", error=error))
                continue
            seconds = time.perf_counter() - started
            # "Does not apply" is stored too (a null payload), so that it is not redone.
            payload = None if result is None else encode_result(result)
            write_result(store, run, m.name, m.version, hashes[m.name], payload, seconds)
            status: Status = "not applicable" if result is None else "computed"
            statuses.append(MeasureStatus(measure=m.name, status=status, seconds=seconds))
        return AnalyseReport(run=run, measures=statuses)
