"""The rubric-elicitation suite as an Inspect task: one sample per work item.

`build_task` is what the sweep runner calls; `rubric_elicitation` is the same task
for `inspect eval cotscope/rubric_elicitation`.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai import Task, task

from .._inspect import seeded_generate, selected_items, suite_task
from .._suite import WorkItem
from ._scorer import rubric_focus_scorer
from ._variants import SUITE


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly `items`, scored by the lexical rubric-focus scorer.

    Raises:
        ValueError: if two items share a sample id.
    """
    return suite_task(SUITE, items, solver=seeded_generate(), scorer=rubric_focus_scorer())


@task
def rubric_elicitation(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """Rubric elicitation: does the model describe an alignment environment as a test of alignment?

    Args:
        variants: `all`, or variant ids and/or family names, comma-separated or as a
            list (`-T variants=a,b` arrives as a list).
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    return build_task(selected_items(SUITE, variants, epochs, seed))
