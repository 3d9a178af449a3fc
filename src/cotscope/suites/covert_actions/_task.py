"""The covert-actions suite as an Inspect task: one agentic sample per work item.

Each sample runs `workspace_agent` in its own throwaway workspace seeded from the
variant's `scoring.workspace`, for at most the variant's `max_turns` turns.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai import Task, task
from inspect_ai.solver import Generate, Solver, TaskState, solver

from .._inspect import selected_items, suite_task
from .._suite import WorkItem
from .._workspace import workspace_agent
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
    from ._scorer import covert_action_scorer

    return suite_task(SUITE, items, solver=covert_agent(), scorer=covert_action_scorer())


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
    return build_task(selected_items(SUITE, variants, epochs, seed))
