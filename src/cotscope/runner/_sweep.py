"""Run a sweep: every model × every selected variant × epochs, through Inspect, into the store.

Work is cut into chunks of `commit_every` samples. Each chunk is one Inspect eval
call whose samples are committed to the store in one transaction, so a killed run
loses at most the chunk in flight and a re-run skips everything already stored;
samples stored as errors are run again (same seed) unless `retry_errors` is off.

The sweep holds the run directory's writer lock throughout, but opens the database
only to read what is done and to commit a chunk, so `stats` and `report` can read
the run while it sweeps.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path

from ..store import (
    WRITER_COMMIT_TIMEOUT_S,
    SampleFilter,
    SampleRow,
    Store,
    count_samples,
    read_samples,
    write_outcomes,
    writer_lock,
)
from ..suites import SuiteDef, WorkItem, derive_seed
from ..sweeps import GenerationSettings, ModelEntry
from ._plan import (
    PlannedSuite,
    SweepError,
    SweepPlan,
    SweepResult,
    _chunks,
    _epochs,
    _pending,
    environment,
)
from ._precision import family_precision, next_epochs
from ._rows import sample_to_row


def run_sweep(
    plan: SweepPlan,
    *,
    display: str = "rich",
    echo: Callable[[str], None] = print,
    retry_errors: bool = True,
) -> SweepResult:
    """Run every pending sample of the plan and commit the results chunk by chunk.

    With `execution.executor: ray` in the spec the chunks run as Ray tasks (`_ray`);
    the rows stored are the same.

    Args:
        plan: A plan from `plan_sweep`.
        display: Inspect display mode (`rich`, `plain`, `none`, ...); on Ray, the
            driver's progress display (`rich`: live bars, `none`: silent, else lines).
        echo: Where progress lines go.
        retry_errors: Run samples stored as errors again, with the same seed.

    Raises:
        SweepError: when a model fails to load or a whole chunk errors out (on Ray,
            such chunks are reported in `SweepResult.failures` instead).
        StoreError: the run directory is locked by another writer, read-only or full.
    """
    if plan.spec.execution.executor == "ray":
        from ._ray import run_sweep_ray  # imports ray: only when asked for

        return run_sweep_ray(plan, display=display, echo=echo, retry_errors=retry_errors)
    started = time.monotonic()
    result = SweepResult(plan.run_dir)
    with writer_lock(plan.run_dir, "cotscope run"):
        prepare_store(plan)
        for order, model in enumerate(plan.models):
            for psuite in plan.suites:
                todo = first_pass(plan, model, psuite, retry_errors, result, echo)
                if todo:
                    _run_items(plan, model, order, psuite, todo, display, result, retry_errors)
                if psuite.precision is not None:
                    _refine(plan, model, order, psuite, display, result, echo, retry_errors)
    result.seconds = time.monotonic() - started
    return result


def prepare_store(plan: SweepPlan) -> None:
    """Record the run, its variants and its suites' outcome declarations."""
    spec = plan.spec
    with Store(plan.run_dir) as store:
        store.record_run(spec.name, spec.recorded(), spec.spec_hash(), environment())
        store.upsert_variants(v.store_record() for p in plan.suites for v in p.variants)
        for p in plan.suites:
            write_outcomes(store, spec.name, p.suite.name, p.suite.outcomes)


def first_pass(
    plan: SweepPlan,
    model: ModelEntry,
    psuite: PlannedSuite,
    retry_errors: bool,
    result: SweepResult,
    echo: Callable[[str], None],
    store: Store | None = None,
) -> list[WorkItem]:
    """The work items of the suite's starting epochs still to run on `model`, announced.

    `store`: an open store to read from (a driver planning many models opens it once);
    by default it is opened for this model alone.
    """
    epochs = _epochs(psuite)
    todo, failed = _todo(plan, model, psuite, epochs, retry_errors, store)
    total = psuite.samples_per_model
    stored = total - sum(1 for w in todo if w.epoch < epochs[w.variant.id])
    result.skipped += stored
    if not todo:
        echo(f"{model.id} · {psuite.suite.name}: all {total} samples already stored")
    else:
        retrying = f"; {failed} stored errors to retry" if failed else ""
        echo(
            f"{model.id} · {psuite.suite.name}: {len(todo)} samples to run "
            f"({stored} already stored{retrying})"
        )
    return todo


def _todo(
    plan: SweepPlan,
    model: ModelEntry,
    psuite: PlannedSuite,
    epochs: Mapping[str, int],
    retry_errors: bool,
    store: Store | None = None,
) -> tuple[list[WorkItem], int]:
    """Work items still to run, and how many of them are stored errors to retry.

    Errors are retried wherever they are stored, also in epochs that a precision round
    added beyond `epochs`.
    """
    spec, suite = plan.spec, psuite.suite.name
    with nullcontext(store) if store is not None else Store(plan.run_dir) as open_store:
        stored = open_store.done_keys(spec.name, model.id, suite)
        done = open_store.done_keys(spec.name, model.id, suite, include_errors=False)
    if not retry_errors:
        done = stored
    todo = _pending(psuite.variants, epochs, done, spec.generation.seed)
    planned = {(w.variant.id, w.variant.hash, w.epoch) for w in todo}
    by_key = {(v.id, v.hash): v for v in psuite.variants}
    todo += [
        WorkItem(by_key[(vid, vhash)], e, derive_seed(spec.generation.seed, vid, e))
        for vid, vhash, e in sorted(stored - done - planned)
        if (vid, vhash) in by_key
    ]
    failed = sum(1 for w in todo if (w.variant.id, w.variant.hash, w.epoch) in stored)
    return todo, failed


def refine_round(
    plan: SweepPlan,
    model: ModelEntry,
    psuite: PlannedSuite,
    round_no: int,
    echo: Callable[[str], None],
) -> list[WorkItem]:
    """Work items of the next precision round, read from the store; [] when done.

    Adds epochs to the families short of the precision target; when none is (or
    their variants reached `max_epochs`), says which families stayed short.
    """
    assert psuite.precision is not None
    spec, suite = plan.spec, psuite.suite.name
    target = psuite.precision.half_width
    by_key = {(v.id, v.hash): v for v in psuite.variants}
    with Store(plan.run_dir) as store:
        stored_keys = store.done_keys(spec.name, model.id, suite)
        rows = count_samples(
            store,
            SampleFilter(run=spec.name, model_ids=(model.id,), suites=(suite,)),
            ("variant_id", "variant_hash", "outcome"),
        )
    standing = family_precision(
        (
            (by_key[(vid, vhash)].family, str(outcome), k)
            for (vid, vhash, outcome), k in rows
            if (vid, vhash) in by_key
        ),
        psuite.precision.outcomes,
    )
    stored = Counter((vid, vhash) for vid, vhash, _ in stored_keys)
    epochs_done = {v.id: stored[(v.id, v.hash)] for v in psuite.variants}
    raised = next_epochs(psuite.variants, epochs_done, standing, psuite.precision)
    # Errors of earlier rounds were retried by the first pass; only new epochs here.
    todo = _pending(psuite.variants, raised, stored_keys, spec.generation.seed)
    if not todo:
        short = sorted(f for f, fam in standing.items() if not fam.met(target))
        for family in short:
            fam = standing[family]
            echo(
                f"{model.id} · {suite} · {family}: ±{100 * fam.half_width:.1f} points "
                f"after {fam.samples} samples ({fam.parseable} parseable); "
                f"max_epochs {psuite.precision.max_epochs} reached"
            )
        return []
    families = sorted({v.family for v in psuite.variants if v.id in raised})
    echo(
        f"{model.id} · {suite}: precision round {round_no}: {len(todo)} more samples "
        f"for {', '.join(families)} (target ±{100 * target:.0f} points)"
    )
    return todo


def _refine(
    plan: SweepPlan,
    model: ModelEntry,
    order: int,
    psuite: PlannedSuite,
    display: str,
    result: SweepResult,
    echo: Callable[[str], None],
    retry_errors: bool,
) -> None:
    """Add epochs, round by round, to the families short of the precision target."""
    for round_no in range(1, 1000):
        todo = refine_round(plan, model, psuite, round_no, echo)
        if not todo:
            return
        _run_items(plan, model, order, psuite, todo, display, result, retry_errors)


def _run_items(
    plan: SweepPlan,
    model: ModelEntry,
    order: int,
    psuite: PlannedSuite,
    todo: Sequence[WorkItem],
    display: str,
    result: SweepResult,
    retry_errors: bool,
) -> None:
    """Evaluate work items chunk by chunk, committing each chunk's rows at once."""
    spec = plan.spec
    for chunk in _chunks(todo, spec.commit_every):
        rows, log_file = eval_chunk(
            psuite.suite,
            chunk,
            model,
            order,
            run=spec.name,
            generation=spec.generation,
            log_dir=plan.run_dir / "logs",
            display=display,
        )
        # The database is opened only to commit: readers get it between chunks.
        with Store(plan.run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
            commit_rows(store, rows, result, retry_errors)
        result.log_files.append(log_file)


def eval_chunk(
    suite: SuiteDef,
    chunk: Sequence[WorkItem],
    model: ModelEntry,
    order: int,
    *,
    run: str,
    generation: GenerationSettings,
    log_dir: Path | str,
    display: str,
) -> tuple[list[SampleRow], str]:
    """Evaluate one chunk in one Inspect eval call: its store rows and the log's location.

    Both executors call this: in the sweep's process, or in a Ray worker.

    Raises:
        SweepError: the eval produced no sample (the model failed, say).
    """
    from inspect_ai import eval as inspect_eval

    gen = generation
    logs = inspect_eval(
        suite.build_task(chunk),
        model=model.model,
        model_args=model.model_args,
        log_dir=str(log_dir),
        display=display,  # type: ignore[arg-type]
        temperature=gen.temperature,
        top_p=gen.top_p,
        max_tokens=gen.max_tokens,
        reasoning_effort=gen.reasoning_effort,
        max_connections=gen.max_connections,
        # Inspect's adaptive concurrency starts at 20 requests and creeps up to 100;
        # the local engine wants its whole batch (2 x max_batch_size) at once.
        adaptive_connections=False if model.model.startswith("local/") else None,
        fail_on_error=False,
        log_samples=True,
        # Live sample buffering (a SQLite write per event, for `inspect view` during
        # the run) cost ~5 ms per sample on the event loop; the finished log keeps
        # every sample, and a chunk is committed to the store only when it ends.
        log_realtime=False,
        score_display=False,
    )
    log = logs[0]
    samples = log.samples or []
    if not samples:
        reason = log.error.message if log.error else f"status {log.status}"
        raise SweepError(f"model {model.id!r} ({model.model}): eval failed: {reason}")
    rows = [
        sample_to_row(s, run=run, model=model, model_order=order, log_file=log.location)
        for s in samples
    ]
    return rows, log.location


def commit_rows(
    store: Store, rows: Sequence[SampleRow], result: SweepResult, retry_errors: bool
) -> None:
    """Insert one chunk's rows (idempotent by sample_uid) and count them into `result`.

    Rows are of one run, model and suite. With `retry_errors`, a row replaces the same
    sample stored as an error; otherwise a stored sample is kept.
    """
    if not rows:
        return
    if retry_errors:
        first = rows[0]
        errors = SampleFilter(
            run=first.run,
            model_ids=(first.model_id,),
            suites=(first.suite,),
            outcomes=("error",),
        )
        before = {str(r["sample_uid"]) for r in read_samples(store, errors, ("sample_uid",))}
    else:
        before = set()
    added = store.insert_samples(rows, replace_errors=retry_errors)
    retried = [r for r in rows if r.sample_uid in before]
    result.retried += len(retried)
    result.retried_failed += sum(1 for r in retried if r.outcome == "error")
    result.added += added - len(retried)
    result.errors += sum(1 for r in rows if r.outcome == "error")
