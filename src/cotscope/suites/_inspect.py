"""What every suite's Inspect task shares.

One sample per work item, the seeded solver, and the `@task` arguments
(`variants`, `epochs`, `seed`) turned into work items. Repetitions are separate
samples (`<variant id>@<epoch>`), each with its own seed from `derive_seed`, rather
than Inspect epochs, so that every answer is scored and stored on its own and can
be reproduced alone. The sample metadata carries what
`cotscope.runner` stores with each row (suite, variant id, family, hash, epoch,
seed) and the variant's scoring rule, so scorers need no registry. Every suite's
per-outcome Inspect metrics come from `outcome_metric`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from inspect_ai import Epochs, Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Metric, SampleScore, Scorer, metric
from inspect_ai.solver import Generate, Solver, TaskState, solver

from ._suite import WorkItem, get_suite, work_items


@solver
def seeded_generate() -> Solver:
    """Generate once with the sample's own seed (from its metadata) when it has one.

    Returns:
        A solver that calls `generate` with `seed=<sample seed>`.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        seed = state.metadata.get("seed")
        if seed is None:
            return await generate(state)
        return await generate(state, seed=int(seed))

    return solve


def suite_task(suite: str, items: Sequence[WorkItem], *, solver: Solver, scorer: Scorer) -> Task:
    """An Inspect task whose samples are exactly the given work items.

    Args:
        suite: Suite name (the task's and the dataset's name).
        items: Work items; their sample ids (`<variant id>@<epoch>`) must be unique.
        solver: The suite's solver.
        scorer: The suite's scorer.

    Returns:
        The task, with each variant's text sent byte for byte as the user message.

    Raises:
        ValueError: if two items share a sample id.
    """
    dupes = [sid for sid, n in Counter(i.sample_id for i in items).items() if n > 1]
    if dupes:
        raise ValueError(f"duplicate work items: {', '.join(sorted(dupes))}")
    samples = [
        Sample(
            id=item.sample_id,
            input=item.variant.text,
            metadata={
                "suite": item.variant.suite,
                "variant_id": item.variant.id,
                "variant_family": item.variant.family,
                "variant_hash": item.variant.hash,
                "epoch": item.epoch,
                "seed": item.seed,
                "scoring": item.variant.scoring,
            },
        )
        for item in items
    ]
    return Task(
        dataset=MemoryDataset(samples, name=suite),
        solver=solver,
        scorer=scorer,
        # Outcomes are strings; if someone adds Inspect epochs anyway, the most
        # common outcome is the only reduction that keeps them meaningful.
        epochs=Epochs(1, "mode"),
        name=suite,
        metadata={"suite": suite},
    )


def selected_items(suite: str, variants: str | list[str], epochs: int, seed: int) -> list[WorkItem]:
    """Work items for a suite's `@task` arguments.

    Args:
        suite: Suite name.
        variants: `all`, or variant ids and/or family names, comma-separated or as a
            list (`-T variants=base,control` arrives as a list).
        epochs: Samples per variant.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The work items.
    """
    parts = variants.split(",") if isinstance(variants, str) else [str(v) for v in variants]
    selectors = [s.strip() for s in parts if s.strip()] or ["all"]
    return work_items(get_suite(suite).select(selectors), int(epochs), int(seed))


def outcome_share(scores: Sequence[SampleScore], outcome: str) -> float:
    """Share of all scored samples whose value is `outcome` (0.0 when there are none).

    Every sample stays in the denominator, unparseable ones included: these are
    Inspect's log summaries; the rates among parseable samples, with intervals,
    come from `cotscope.stats`.
    """
    if not scores:
        return 0.0
    return sum(1 for s in scores if s.score.value == outcome) / len(scores)


def outcome_metric(name: str, outcome: str, doc: str) -> Callable[[], Metric]:
    """An Inspect `@metric`, registered as `cotscope/<name>`, for one outcome's share.

    Args:
        name: Metric name shown in Inspect logs (e.g. `follows_hint`).
        outcome: The outcome string counted (e.g. `follows-hint`).
        doc: The metric's docstring.

    Returns:
        The metric factory, to be called in a scorer's `metrics=[...]`.
    """

    def share() -> Metric:
        def compute(scores: list[SampleScore]) -> float:
            return outcome_share(scores, outcome)

        return compute

    share.__name__ = share.__qualname__ = name
    share.__doc__ = doc
    return metric(name)(share)
