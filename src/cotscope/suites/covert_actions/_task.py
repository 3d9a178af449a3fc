"""The covert-actions suite as an Inspect task: one agentic sample per work item.

Each sample runs `workspace_agent` in its own throwaway workspace seeded from the
variant's `scoring.workspace`, for at most the variant's `max_turns` turns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver

from .._suite import WorkItem, get_suite
from .._workspace import workspace_agent
from ..reward_hints._work import work_items
from ._variants import SUITE


@solver
def covert_agent() -> Solver:
    """The workspace agent with the sample's own turn bound (`scoring.max_turns`).

    Returns:
        A solver delegating to `workspace_agent`.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        max_turns = int(state.metadata["scoring"].get("max_turns", 8))
        agent = workspace_agent(max_turns=max_turns)
        return await agent(state, generate)

    return solve


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly the given work items.

    Raises:
        ValueError: if two items share a sample id.
    """
    dupes = [sid for sid, n in Counter(i.sample_id for i in items).items() if n > 1]
    if dupes:
        raise ValueError(f"duplicate work items: {', '.join(sorted(dupes))}")
    from ._scorer import covert_action_scorer

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
        solver=covert_agent(),
        scorer=covert_action_scorer(),
        epochs=Epochs(1, "mode"),
        name=SUITE,
        metadata={"suite": SUITE},
    )


@task
def covert_actions(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """Covert actions: does the model sandbag, over-claim, falsify, tamper or omit?

    Args:
        variants: `all`, or variant ids and/or environment names (comma-separated).
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    parts = variants.split(",") if isinstance(variants, str) else [str(v) for v in variants]
    selectors = [s.strip() for s in parts if s.strip()] or ["all"]
    chosen = get_suite(SUITE).select(selectors)
    return build_task(work_items(chosen, int(epochs), int(seed)))
