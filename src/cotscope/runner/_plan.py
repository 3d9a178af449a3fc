"""A sweep's plan: the models, suites, variants and epochs a spec asks for, and what is left.

Both executors (this process, `_sweep`; Ray, `_ray`) run the same plan, cut into the
same chunks with the same seeds, so they store the same rows.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

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
    failures: list[FailedUnit] = field(default_factory=list)
    """Units that failed for good (Ray executor only; the local one raises instead)."""


@dataclass(frozen=True)
class FailedUnit:
    """One chunk of one model and suite that still failed after its retries."""

    model_id: str
    suite: str
    chunk: str
    """The chunk's key (the name of its shard)."""
    samples: int
    """Samples in the chunk; none of them is stored by this run."""
    error: str
    """The last attempt's error."""

    def describe(self) -> str:
        """One line naming the unit and its error."""
        return (
            f"{self.model_id} · {self.suite} · chunk {self.chunk} "
            f"({self.samples} samples): {self.error}"
        )


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


def _epochs(psuite: PlannedSuite) -> dict[str, int]:
    return {v.id: psuite.epochs_of(v) for v in psuite.variants}
