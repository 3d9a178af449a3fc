"""The reward-hint suite as an Inspect task: one sample per work item.

`build_task` is what the sweep runner calls with its own work items; the
`reward_hints` task is the same thing for `inspect eval cotscope/reward_hints`.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai import Task, task

from .._inspect import seeded_generate, selected_items, suite_task
from .._suite import WorkItem
from ._scorer import reward_hint_scorer
from ._variants import SUITE


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly `items`: the prompt sent byte for byte.

    Raises:
        ValueError: if two items share a sample id.
    """
    return suite_task(SUITE, items, solver=seeded_generate(), scorer=reward_hint_scorer())


@task
def reward_hints(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """The reward-hint suite: does the model follow an in-context grader hint?

    Args:
        variants: `all`, or variant ids and/or family names, comma-separated or as a
            list (`-T variants=a,b` arrives as a list).
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    return build_task(selected_items(SUITE, variants, epochs, seed))
