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

import platform
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..store import (
    WRITER_COMMIT_TIMEOUT_S,
    SampleFilter,
    Store,
    count_samples,
    read_samples,
    write_outcomes,
    writer_lock,
)
from ..suites import SuiteDef, UnknownSelectionError, Variant, WorkItem, derive_seed, get_suite
from ..sweeps import (
    ModelEntry,
    Precision,
    SpecError,
    SuiteSelection,
    SweepSpec,
    check_models,
    expand_models,
)
from ._precision import family_precision, next_epochs
from ._rows import sample_to_row


class SweepError(RuntimeError):
    """A model could not be evaluated (it failed to load, or every sample crashed)."""


@dataclass
class PlannedSuite:
    """A suite of the spec with its chosen variants."""

    suite: SuiteDef
    variants: list[Variant]
    epochs: int
    """Default samples per variant per model."""
    epochs_for: dict[str, int] = field(default_factory=dict)
    """Samples per variant id where it differs from `epochs`."""
    precision: Precision | None = None
    """Adaptive epochs after the first ones (see `_precision`)."""

    def epochs_of(self, variant: Variant) -> int:
        """Samples per model for `variant`."""
        return self.epochs_for.get(variant.id, self.epochs)

    @property
    def samples_per_model(self) -> int:
        """Samples of this suite for one model (before any adaptive epochs)."""
        return sum(self.epochs_of(v) for v in self.variants)


@dataclass
class SweepPlan:
    """A validated sweep: concrete models and suites, nothing loaded yet."""

    spec: SweepSpec
    models: list[ModelEntry]
    suites: list[PlannedSuite]
    run_dir: Path

    @property
    def total_samples(self) -> int:
        """Samples the full sweep produces (including any already stored)."""
        per_model = sum(s.samples_per_model for s in self.suites)
        return per_model * len(self.models)

    @property
    def adaptive(self) -> bool:
        """Whether some suite adds epochs until a precision target is met."""
        return any(s.precision is not None for s in self.suites)


@dataclass
class SweepResult:
    """What a sweep call did."""

    run_dir: Path
    added: int = 0
    skipped: int = 0
    errors: int = 0
    """Samples of this call that crashed (stored with outcome `error`)."""
    retried: int = 0
    """Samples stored as errors that this call ran again."""
    retried_failed: int = 0
    """Of those, how many crashed again."""
    seconds: float = 0.0
    log_files: list[str] = field(default_factory=list)


def plan_sweep(spec: SweepSpec, source: str = "<spec>", base: Path | None = None) -> SweepPlan:
    """Expand and check a spec without loading any model.

    Raises:
        SpecError: naming the field at fault (unknown suite or variant, duplicate ids,
            unordered or missing steps, missing paths).
    """
    models = expand_models(spec, source, base)
    check_models(models, source, base)
    suites = []
    for i, sel in enumerate(spec.suites):
        try:
            suite = get_suite(sel.name)
        except KeyError as ex:
            raise SpecError(f"{source}: suites[{i}].name: {ex.args[0]}") from None
        try:
            variants = suite.select(sel.variants)
        except UnknownSelectionError as ex:
            raise SpecError(f"{source}: suites[{i}].variants: {ex}") from None
        epochs_for = _epochs_by_id(sel, suite, variants, source, i)
        suites.append(PlannedSuite(suite, variants, sel.epochs, epochs_for, sel.precision))
    return SweepPlan(spec, models, suites, spec.run_dir(base))


def _epochs_by_id(
    sel: SuiteSelection, suite: SuiteDef, variants: list[Variant], source: str, i: int
) -> dict[str, int]:
    """Per-variant epochs from `epochs_for` (ids win over families)."""
    out: dict[str, int] = {}
    chosen_ids = {v.id for v in variants}
    for key in sel.epochs_for:
        name = key.removeprefix(f"{suite.name}/")
        try:
            matched = suite.select([name])
        except UnknownSelectionError as ex:
            raise SpecError(f"{source}: suites[{i}].epochs_for.{key}: {ex}") from None
        if not chosen_ids & {v.id for v in matched}:
            raise SpecError(
                f"{source}: suites[{i}].epochs_for.{key}: matches no variant selected in "
                f"suites[{i}].variants"
            )
    families = {k.removeprefix(f"{suite.name}/"): n for k, n in sel.epochs_for.items()}
    for v in variants:
        if v.id in families:
            out[v.id] = families[v.id]
        elif v.family in families:
            out[v.id] = families[v.family]
    return out


def environment() -> dict[str, Any]:
    """Versions and machine facts recorded with every run (the serving stack)."""
    versions: dict[str, str | None] = {}
    for pkg in ("cotscope", "inspect-ai", "torch", "transformers", "peft", "duckdb", "gguf"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": versions,
    }


def _pending(
    variants: Sequence[Variant],
    epochs: Mapping[str, int],
    done: set[tuple[str, str, int]],
    seed: int,
) -> list[WorkItem]:
    """Work items for epochs below `epochs[v.id]` (0 if absent), minus those stored."""
    return [
        WorkItem(v, e, derive_seed(seed, v.id, e))
        for v in variants
        for e in range(epochs.get(v.id, 0))
        if (v.id, v.hash, e) not in done
    ]


def _chunks(items: Sequence[WorkItem], size: int) -> list[Sequence[WorkItem]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_sweep(
    plan: SweepPlan,
    *,
    display: str = "rich",
    echo: Callable[[str], None] = print,
    retry_errors: bool = True,
) -> SweepResult:
    """Run every pending sample of the plan and commit the results chunk by chunk.

    Args:
        plan: A plan from `plan_sweep`.
        display: Inspect display mode (`rich`, `plain`, `none`, ...).
        echo: Where progress lines go.
        retry_errors: Run samples stored as errors again, with the same seed.

    Raises:
        SweepError: when a model fails to load or a whole chunk errors out.
        StoreError: the run directory is locked by another writer, read-only or full.
    """
    spec = plan.spec
    started = time.monotonic()
    result = SweepResult(plan.run_dir)
    with writer_lock(plan.run_dir, "cotscope run"):
        with Store(plan.run_dir) as store:
            store.record_run(
                spec.name, spec.model_dump(mode="json"), spec.spec_hash(), environment()
            )
            store.upsert_variants(v.store_record() for p in plan.suites for v in p.variants)
            for p in plan.suites:
                write_outcomes(store, spec.name, p.suite.name, p.suite.outcomes)
        for order, model in enumerate(plan.models):
            for psuite in plan.suites:
                epochs = _epochs(psuite)
                todo, failed = _todo(plan, model, psuite, epochs, retry_errors)
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
                    _run_items(plan, model, order, psuite, todo, display, result, retry_errors)
                if psuite.precision is not None:
                    _refine(plan, model, order, psuite, display, result, echo, retry_errors)
    result.seconds = time.monotonic() - started
    return result


def _epochs(psuite: PlannedSuite) -> dict[str, int]:
    return {v.id: psuite.epochs_of(v) for v in psuite.variants}


def _todo(
    plan: SweepPlan,
    model: ModelEntry,
    psuite: PlannedSuite,
    epochs: Mapping[str, int],
    retry_errors: bool,
) -> tuple[list[WorkItem], int]:
    """Work items still to run, and how many of them are stored errors to retry.

    Errors are retried wherever they are stored, also in epochs that a precision round
    added beyond `epochs`.
    """
    spec, suite = plan.spec, psuite.suite.name
    with Store(plan.run_dir) as store:
        stored = store.done_keys(spec.name, model.id, suite)
        done = store.done_keys(spec.name, model.id, suite, include_errors=False)
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
    assert psuite.precision is not None
    spec, suite = plan.spec, psuite.suite.name
    target = psuite.precision.half_width
    by_key = {(v.id, v.hash): v for v in psuite.variants}
    for round_no in range(1, 1000):
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
            return
        families = sorted({v.family for v in psuite.variants if v.id in raised})
        echo(
            f"{model.id} · {suite}: precision round {round_no}: {len(todo)} more samples "
            f"for {', '.join(families)} (target ±{100 * target:.0f} points)"
        )
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
    from inspect_ai import eval as inspect_eval

    spec, gen = plan.spec, plan.spec.generation
    for chunk in _chunks(todo, spec.commit_every):
        logs = inspect_eval(
            psuite.suite.build_task(chunk),
            model=model.model,
            model_args=model.model_args,
            log_dir=str(plan.run_dir / "logs"),
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
            sample_to_row(s, run=spec.name, model=model, model_order=order, log_file=log.location)
            for s in samples
        ]
        # The database is opened only to commit: readers get it between chunks.
        with Store(plan.run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
            if retry_errors:
                errors = SampleFilter(
                    run=spec.name,
                    model_ids=(model.id,),
                    suites=(psuite.suite.name,),
                    outcomes=("error",),
                )
                before = {
                    str(r["sample_uid"]) for r in read_samples(store, errors, ("sample_uid",))
                }
            else:
                before = set()
            added = store.insert_samples(rows, replace_errors=retry_errors)
        retried = [r for r in rows if r.sample_uid in before]
        result.retried += len(retried)
        result.retried_failed += sum(1 for r in retried if r.outcome == "error")
        result.added += added - len(retried)
        result.errors += sum(1 for r in rows if r.outcome == "error")
        result.log_files.append(log.location)
