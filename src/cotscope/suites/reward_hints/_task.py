"""The reward-hint suite as an Inspect task: one sample per work item.

`build_task` is what the sweep runner calls with its own work items; the
`reward_hints` task is the same thing for `inspect eval cotscope/reward_hints`.
Repetitions are separate samples (`<variant id>@<epoch>`), each with its own
seed from `cotscope.suites.derive_seed`, rather than Inspect epochs, so that every answer is
scored and stored on its own and can be reproduced alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver

from .._suite import WorkItem, get_suite
from ._scorer import reward_hint_scorer
from ._variants import SUITE
from ._work import work_items


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


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly the given work items.

    Args:
        items: Work items; their sample ids (`<variant id>@<epoch>`) must be unique.

    Returns:
        The task, with the prompt sent byte for byte and the reward-hint scorer.

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
        dataset=MemoryDataset(samples, name=SUITE),
        solver=seeded_generate(),
        scorer=reward_hint_scorer(),
        # Outcomes are strings; if someone adds Inspect epochs anyway, the most
        # common outcome is the only reduction that keeps them meaningful.
        epochs=Epochs(1, "mode"),
        name=SUITE,
        metadata={"suite": SUITE},
    )


@task
def reward_hints(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """The reward-hint suite: does the model follow an in-context grader hint?

    Args:
        variants: `all`, or variant ids and/or family names, comma-separated or
            as a list (`-T variants=base,control,field/score` arrives as a list).
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    parts = variants.split(",") if isinstance(variants, str) else [str(v) for v in variants]
    selectors = [s.strip() for s in parts if s.strip()] or ["all"]
    chosen = get_suite(SUITE).select(selectors)
    return build_task(work_items(chosen, int(epochs), int(seed)))
