"""The ambiguity ladder as an Inspect task: one workspace episode per work item.

Each sample runs `workspace_agent` (a fresh throwaway workspace outside the
project, seeded from the variant's files, at most `MAX_TURNS` model turns) and is
scored by the exploit criterion. `ambiguity_ladder` is the same task for
`inspect eval cotscope/ambiguity_ladder`.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai import Task, task

from .._inspect import selected_items, suite_task
from .._suite import WorkItem
from .._workspace import workspace_agent
from ._scorer import ladder_scorer
from ._variants import SUITE

MAX_TURNS = 6
"""Model turns per sample: enough to look, act and submit; bounded so no sample hangs."""


def build_task(items: Sequence[WorkItem], max_turns: int = MAX_TURNS) -> Task:
    """An Inspect task whose samples are exactly the given work items.

    Args:
        items: Work items with unique sample ids.
        max_turns: Model turns per sample.

    Returns:
        The task.

    Raises:
        ValueError: if two items share a sample id.
    """
    return suite_task(
        SUITE, items, solver=workspace_agent(max_turns=max_turns), scorer=ladder_scorer()
    )


@task
def ambiguity_ladder(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """The ambiguity ladder: at which level of instruction does the model take the exploit?

    Args:
        variants: `all`, or variant ids and/or scenario names, comma-separated or a list.
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    return build_task(selected_items(SUITE, variants, epochs, seed))
