"""The suite contract and registry: a suite is variants plus a way to build an Inspect task."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._outcome import OutcomeDef, behaviour, check_outcomes
from ._variant import Variant

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from inspect_ai import Task


class UnknownSelectionError(ValueError):
    """A variant selection names an id or family the suite does not have."""


def derive_seed(base_seed: int, variant_id: str, epoch: int) -> int:
    """Per-sample seed, stable across runs and machines (not Python's salted hash)."""
    digest = hashlib.sha256(f"{base_seed}|{variant_id}|{epoch}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class WorkItem:
    """One sample to run: a variant in a given epoch, with its sampling seed."""

    variant: Variant
    epoch: int
    seed: int | None

    @property
    def sample_id(self) -> str:
        """Inspect sample id, unique within a task: `<variant id>@<epoch>`."""
        return f"{self.variant.id}@{self.epoch}"


def work_items(variants: Sequence[Variant], epochs: int, seed: int | None) -> list[WorkItem]:
    """Every (variant, epoch) pair, variant by variant, with derived seeds.

    The sweep runner derives seeds with the same `derive_seed`, so
    `inspect eval cotscope/<suite> -T seed=S` and a sweep with seed S sample every
    (variant, epoch) identically.

    Args:
        variants: The selected variants.
        epochs: Repetitions per variant (at least 1).
        seed: The run seed; None leaves sampling unseeded.

    Returns:
        The work items in variant order, epochs 0..epochs-1 within each.

    Raises:
        ValueError: if epochs is below 1.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    return [
        WorkItem(v, e, None if seed is None else derive_seed(seed, v.id, e))
        for v in variants
        for e in range(epochs)
    ]


@dataclass(frozen=True)
class SuiteDef:
    """A registered suite."""

    name: str
    """Suite name used in specs and on the command line."""

    description: str
    """One line for `cotscope suites`."""

    load_variants: Callable[[], list[Variant]]
    """Loads every variant of the suite from its data files."""

    build_task: Callable[[Sequence[WorkItem]], Task]
    """Builds an Inspect task whose samples are exactly the given work items."""

    outcomes: tuple[OutcomeDef, ...] = ()
    """Every outcome label the suite's scorer writes, in display order, with `error`."""

    analysis: str | None = None
    """The suite's own analysis, as `module:function`, imported only when it runs: a
    function `(store, stats) -> result | None` whose result is a pydantic model or a
    dataclass (stored by `cotscope analyse` as `suite:<name>`); None for none."""

    analysis_version: int = 1
    """Bumped when the analysis changes what it computes, so stored results recompute."""

    @property
    def primary_outcome(self) -> str | None:
        """The outcome that is "the behaviour" (e.g. `follows-hint`), or None.

        It is the action rate's positive and the default action an intervention measures.
        """
        found = behaviour(self.outcomes)
        return found.name if found else None

    def outcome(self, name: str) -> OutcomeDef | None:
        """The declaration of one outcome label, or None if the suite has no such label."""
        return next((o for o in self.outcomes if o.name == name), None)

    def variants(self) -> list[Variant]:
        """All variants, in data-file order."""
        return self.load_variants()

    def families(self) -> list[str]:
        """Family names in first-seen order."""
        seen: dict[str, None] = {}
        for v in self.variants():
            seen.setdefault(v.family, None)
        return list(seen)

    def select(self, selection: Sequence[str] | str = "all") -> list[Variant]:
        """Variants chosen by ids and/or family names (or `all`), in data-file order.

        Raises:
            UnknownSelectionError: naming every selector that matches nothing.
        """
        variants = self.variants()
        if selection == "all" or (not isinstance(selection, str) and list(selection) == ["all"]):
            return variants
        selectors = [selection] if isinstance(selection, str) else list(selection)
        chosen: dict[str, Variant] = {}
        unknown = []
        for sel in selectors:
            sel_id = sel.removeprefix(f"{self.name}/")
            matched = [v for v in variants if v.id == sel_id or v.family == sel_id]
            if not matched:
                unknown.append(sel)
            for v in matched:
                chosen.setdefault(v.id, v)
        if unknown:
            raise UnknownSelectionError(
                f"suite {self.name!r} has no variant or family {', '.join(map(repr, unknown))}; "
                f"families: {', '.join(self.families())}"
            )
        order = {v.id: i for i, v in enumerate(variants)}
        return sorted(chosen.values(), key=lambda v: order[v.id])


_SUITES: dict[str, Callable[[], SuiteDef]] = {}


def register_suite(name: str, factory: Callable[[], SuiteDef]) -> None:
    """Register a suite factory under a name (called lazily on first use)."""
    _SUITES[name] = factory


TaskBuilder = Callable[[Sequence[WorkItem]], "Task"]
"""Builds an Inspect task whose samples are exactly the given work items."""


def lazy_task_builder(package: str) -> TaskBuilder:
    """A suite package's `build_task`: `<package>._task.build_task`, imported on first call.

    Importing a suite package (which `cotscope suites` does at start-up) thereby
    stays free of Inspect; only building a task pays for it.

    Args:
        package: The suite package's module name (its `__name__`).

    Returns:
        A function with the signature of `_task.build_task` that delegates to it.
    """

    def build_task(items: Sequence[WorkItem]) -> Task:
        import importlib

        build: TaskBuilder = importlib.import_module(f"{package}._task").build_task
        return build(items)

    build_task.__module__ = package
    build_task.__doc__ = (
        f"An Inspect task whose samples are exactly `items` (see `{package}._task.build_task`)."
    )
    return build_task


def define_suite(
    name: str,
    description: str,
    load_variants: Callable[[], list[Variant]],
    build_task: TaskBuilder,
    outcomes: Sequence[OutcomeDef],
    analysis: str | None = None,
    analysis_version: int = 1,
) -> Callable[[], SuiteDef]:
    """Register a suite and return its factory (what a suite package exports as `suite`).

    Args:
        name: Suite name used in specs and on the command line.
        description: One line for `cotscope suites`.
        load_variants: Loads every variant of the suite from its data files.
        build_task: Builds the suite's Inspect task (usually `lazy_task_builder(__name__)`).
        outcomes: Every outcome label the scorer writes, in display order; at most one
            marked `of_interest` (the behaviour). `error` is added if missing.
        analysis: The suite's own analysis as `module:function` (see `SuiteDef.analysis`).
        analysis_version: The analysis' version (bump it when its results change).

    Returns:
        A function returning the suite's `SuiteDef`, already registered under `name`.

    Raises:
        ValueError: if outcomes repeat a name or mark several behaviours.
    """
    declared = check_outcomes(name, outcomes)

    def suite() -> SuiteDef:
        return SuiteDef(
            name=name,
            description=description,
            load_variants=load_variants,
            build_task=build_task,
            outcomes=declared,
            analysis=analysis,
            analysis_version=analysis_version,
        )

    suite.__doc__ = f"The `{name}` suite's definition."
    register_suite(name, suite)
    return suite


ENTRY_POINT_GROUP = "cotscope.suites"
"""The entry-point group suites register in: `name = "package.module:suite"`, where
`suite` is what `define_suite` returned. cotscope's own suites register the same way."""


class SuiteLoadError(RuntimeError):
    """An installed suite's entry point could not be loaded or defines another name."""


def _entry_points() -> list[EntryPoint]:
    from cotscope._plugins import plugin_entry_points

    return plugin_entry_points(ENTRY_POINT_GROUP)


def _from_entry_point(ep: EntryPoint) -> Callable[[], SuiteDef]:
    def factory() -> SuiteDef:
        try:
            loaded = ep.load()
            suite = loaded() if callable(loaded) else loaded
        except Exception as ex:  # a broken plugin must name itself, not crash the listing
            raise SuiteLoadError(
                f"suite {ep.name!r} (entry point {ep.value!r} in group {ENTRY_POINT_GROUP!r}) "
                f"failed to load: {type(ex).__name__}: {ex}"
            ) from ex
        if not isinstance(suite, SuiteDef) or suite.name != ep.name:
            got = suite.name if isinstance(suite, SuiteDef) else type(suite).__name__
            raise SuiteLoadError(
                f"entry point {ep.name!r} = {ep.value!r} must give the SuiteDef of a suite "
                f"named {ep.name!r} (what define_suite returns); got {got!r}"
            )
        return suite

    return factory


_DISCOVERED = False


def _discover() -> None:
    # Entry points are listed without importing their packages: a suite's module loads
    # on first use, so `cotscope suites --suite x` imports one suite, not all of them.
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    for ep in _entry_points():
        _SUITES.setdefault(ep.name, _from_entry_point(ep))


def suite_packages() -> list[str]:
    """Module names of every installed suite (the entry points' modules), by suite name.

    Where a module `<package>._task` exists, Inspect registers its `@task`. (A suite's
    report section is registered like any other, in the `cotscope.report_sections` group.)
    """
    return [ep.module for ep in _entry_points()]


def suite_names() -> list[str]:
    """Names of the registered suites."""
    _discover()
    return sorted(_SUITES)


def get_suite(name: str) -> SuiteDef:
    """The suite registered under `name`.

    Raises:
        KeyError: with the list of known suites.
        SuiteLoadError: an installed suite's package failed to import.
    """
    _discover()
    if name not in _SUITES:
        raise KeyError(f"unknown suite {name!r}; known suites: {', '.join(sorted(_SUITES))}")
    return _SUITES[name]()
