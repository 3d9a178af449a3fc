"""Run a sweep on Ray: one task per (model, suite, chunk), merged into the store by the driver.

The driver plans exactly what the single-process sweep plans (`first_pass`,
`refine_round`, the same chunks of `commit_every` and the same seeds), and submits
one Ray task per chunk with the resources of `execution.per_model`. A task runs the
chunk's Inspect eval (`eval_chunk`, as the single-process sweep does) and writes its
rows as a Parquet shard (`_shards`); it never opens the store. As tasks finish, the
driver merges each shard through `Store.insert_samples` (idempotent by sample_uid)
and deletes it, so the store has one writer and the rows are the single-process
sweep's rows.

Faults: Ray reruns a task whose worker died, or which raised a connection error or
a timeout, up to `execution.max_retries` times; a task that still fails is reported
by model, suite and chunk (`SweepResult.failures`) and the others go on. A driver
killed mid-sweep leaves shards and a partial store; the same command merges the
shards first, then plans only what the store does not hold.

Adaptive precision (`precision:` in a suite) runs in rounds after the first pass:
each round plans every model's extra epochs from the store, as the single-process
sweep does, and fans their chunks out over the cluster; a (model, suite) with a
failed chunk gets no further rounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..store import WRITER_COMMIT_TIMEOUT_S, Store, writer_lock
from ..suites import WorkItem, get_suite
from ..sweeps import GenerationSettings, ModelEntry
from ._plan import FailedUnit, PlannedSuite, SweepPlan, SweepResult, _chunks
from ._progress import WorkProgress
from ._shards import (
    chunk_key,
    list_shards,
    read_shard,
    remove_shard,
    shard_exists,
    shard_path,
    storage_root,
    write_shard,
)
from ._sweep import commit_rows, eval_chunk, first_pass, prepare_store, refine_round

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (ConnectionError, TimeoutError)
"""Exceptions Ray retries a task for; any other exception fails the chunk at once (a
model that cannot load fails the same way every time)."""


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs to run one chunk: no plan, no store."""

    run: str
    model: ModelEntry
    order: int
    """Position of the model in the spec (stored as `model_order`)."""
    suite: str
    items: tuple[WorkItem, ...]
    generation: GenerationSettings
    log_dir: str
    """Inspect log folder (on the worker's file system)."""
    root: str
    """Shard storage root (folder or fsspec URL)."""
    key: str
    """The chunk's key (`chunk_key`)."""

    @property
    def shard(self) -> str:
        """Where this chunk's shard goes."""
        return shard_path(self.root, self.model.id, self.suite, self.key)


@dataclass(frozen=True)
class ChunkDone:
    """What a finished task returns: its shard and its counts."""

    shard: str
    samples: int
    errors: int
    reused: bool
    """The shard was already written by an earlier attempt (the worker died after
    writing it): nothing was run again."""


def run_chunk(job: ChunkJob) -> ChunkDone:
    """Body of one Ray task: evaluate the chunk and write its shard (not the store)."""
    if shard_exists(job.root, job.shard):
        rows = read_shard(job.root, job.shard)
        reused = True
    else:
        rows, _ = eval_chunk(
            get_suite(job.suite),
            job.items,
            job.model,
            job.order,
            run=job.run,
            generation=job.generation,
            log_dir=job.log_dir,
            display="none",  # one display, on the driver
        )
        write_shard(job.root, job.shard, rows)
        reused = False
    errors = sum(1 for r in rows if r.outcome == "error")
    return ChunkDone(job.shard, len(rows), errors, reused)


def run_sweep_ray(
    plan: SweepPlan,
    *,
    display: str = "rich",
    echo: Callable[[str], None] = print,
    retry_errors: bool = True,
) -> SweepResult:
    """`run_sweep` on Ray (see the module docstring); connects to or starts Ray.

    Raises:
        StoreError: the run directory is locked by another writer, read-only or full.
        ImportError: ray is not installed (`pip install 'cotscope[ray]'`).
    """
    ex = plan.spec.execution
    started = time.monotonic()
    result = SweepResult(plan.run_dir)
    root = storage_root(ex.storage, plan.run_dir)
    with writer_lock(plan.run_dir, "cotscope run --executor ray"):
        prepare_store(plan)
        leftover = list_shards(root)
        if leftover:
            echo(f"merging {len(leftover)} shard(s) left by an earlier run")
            with Store(plan.run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
                for path in leftover:
                    _merge(store, root, path, result, retry_errors)
        owns_ray = _connect(ex.address)
        try:
            with WorkProgress(display, echo) as progress:
                _sweep(plan, root, display, echo, retry_errors, result, progress)
        finally:
            if owns_ray:
                import ray

                ray.shutdown()
    result.seconds = time.monotonic() - started
    return result


def _connect(address: str | None) -> bool:
    """Join the cluster at `address`, or start a local Ray; True when this call started it."""
    import ray

    if ray.is_initialized():
        return False
    # No dashboard (it needs `ray[default]`); worker output stays in Ray's session logs
    # instead of interleaving with the driver's progress display.
    ray.init(address=address, include_dashboard=False, log_to_driver=False)
    return True


def _sweep(
    plan: SweepPlan,
    root: str,
    display: str,
    echo: Callable[[str], None],
    retry_errors: bool,
    result: SweepResult,
    progress: WorkProgress,
) -> None:
    jobs: list[ChunkJob] = []
    with Store(plan.run_dir) as store:  # once for the whole plan, not once per model
        for order, model in enumerate(plan.models):
            for psuite in plan.suites:
                todo = first_pass(plan, model, psuite, retry_errors, result, echo, store)
                progress.plan(model.id, len(todo))
                jobs += _jobs(plan, root, model, order, psuite, todo)
    failed = _run_jobs(plan, jobs, retry_errors, result, progress, echo)
    refining = [
        (order, model, psuite)
        for order, model in enumerate(plan.models)
        for psuite in plan.suites
        if psuite.precision is not None and (model.id, psuite.suite.name) not in failed
    ]
    for round_no in range(1, 1000):
        jobs, going = [], []
        for order, model, psuite in refining:
            todo = refine_round(plan, model, psuite, round_no, echo)
            if todo:
                progress.plan(model.id, len(todo))
                jobs += _jobs(plan, root, model, order, psuite, todo)
                going.append((order, model, psuite))
        if not jobs:
            return
        failed = _run_jobs(plan, jobs, retry_errors, result, progress, echo)
        refining = [g for g in going if (g[1].id, g[2].suite.name) not in failed]


def _jobs(
    plan: SweepPlan,
    root: str,
    model: ModelEntry,
    order: int,
    psuite: PlannedSuite,
    todo: Sequence[WorkItem],
) -> list[ChunkJob]:
    spec = plan.spec
    return [
        ChunkJob(
            run=spec.name,
            model=model,
            order=order,
            suite=psuite.suite.name,
            items=tuple(chunk),
            generation=spec.generation,
            log_dir=str((plan.run_dir / "logs").resolve()),
            root=root,
            key=chunk_key(chunk),
        )
        for chunk in _chunks(todo, spec.commit_every)
    ]


@cache
def ray_remote(fn: Callable[..., Any]) -> Any:
    """`fn` as a Ray remote function, made once on first use (Ray is imported only then)."""
    import ray

    return ray.remote(fn)


def _run_jobs(
    plan: SweepPlan,
    jobs: Sequence[ChunkJob],
    retry_errors: bool,
    result: SweepResult,
    progress: WorkProgress,
    echo: Callable[[str], None],
) -> set[tuple[str, str]]:
    """Submit every job, merge each shard as its task ends; the (model, suite) pairs that failed.

    Failures are appended to `result.failures` and echoed; the other jobs go on.
    """
    import ray

    if not jobs:
        return set()
    ex = plan.spec.execution
    res = ex.per_model
    pending: dict[Any, ChunkJob] = {}
    for job in jobs:
        ref = (
            ray_remote(run_chunk)
            .options(
                num_cpus=res.num_cpus,
                num_gpus=res.num_gpus,
                resources=dict(res.resources) or None,
                max_retries=ex.max_retries,
                retry_exceptions=list(TRANSIENT_ERRORS),
                name=f"cotscope:{job.model.id}:{job.suite}:{job.key}",
            )
            .remote(job)
        )
        pending[ref] = job
    failed: set[tuple[str, str]] = set()
    while pending:
        ready, rest = ray.wait(list(pending), num_returns=1)
        if rest:  # merge every task that is done by now under one store opening
            more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        finished: list[tuple[ChunkJob, ChunkDone]] = []
        for ref in ready:
            job = pending.pop(ref)
            try:
                finished.append((job, ray.get(ref)))
            except ray.exceptions.RayError as err:
                unit = FailedUnit(job.model.id, job.suite, job.key, len(job.items), _reason(err))
                result.failures.append(unit)
                failed.add((job.model.id, job.suite))
                echo(f"failed: {unit.describe()}")
        if finished:
            with Store(plan.run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
                for job, done in finished:
                    _merge(store, job.root, done.shard, result, retry_errors)
                    progress.advance(job.model.id, done.samples)
    return failed


def _merge(store: Store, root: str, path: str, result: SweepResult, retry_errors: bool) -> None:
    """Insert one shard's rows (idempotent), then delete the shard."""
    rows = read_shard(root, path)
    commit_rows(store, rows, result, retry_errors)
    result.log_files += sorted({r.log_file for r in rows if r.log_file})
    remove_shard(root, path)


def _reason(err: Exception) -> str:
    """The error a task failed with, in one line: the task's own exception when it raised."""
    cause = getattr(err, "cause", None)
    if isinstance(cause, BaseException):
        text = f"{type(cause).__name__}: {cause}"
    else:
        text = f"{type(err).__name__}: {err}"
    first = text.strip().splitlines()[0] if text.strip() else type(err).__name__
    return first[:500]
