"""The probe as an Inspect task: one sample per work item (`<transcript>/<phrasing>@<epoch>`).

`build_task` is what the sweep runner calls; the `eval_awareness_probe` task is
the same for `inspect eval cotscope/eval_awareness_probe`.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai import Task, task

from .._inspect import seeded_generate, selected_items, suite_task
from .._suite import WorkItem
from ._bank import SUITE
from ._scorer import eval_awareness_scorer


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly `items`, scored by `eval_awareness_scorer`.

    Raises:
        ValueError: if two items share a sample id.
    """
    return suite_task(SUITE, items, solver=seeded_generate(), scorer=eval_awareness_scorer())


@task
def eval_awareness_probe(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """The evaluation-awareness probe: P(this transcript is an evaluation)?

    Args:
        variants: `all`, or variant ids and/or family names, comma-separated or as a
            list (`-T variants=a,b` arrives as a list).
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    return build_task(selected_items(SUITE, variants, epochs, seed))
