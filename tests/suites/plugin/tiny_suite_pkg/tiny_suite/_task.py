"""The Inspect task: each question once per work item, scored by the first yes/no word."""

from __future__ import annotations

import re
from collections.abc import Sequence

from inspect_ai import Task
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from cotscope.suites import WorkItem, outcome_metric, seeded_generate, suite_task

from . import SUITE

says_yes = outcome_metric("says_yes", "says-yes", "Share of answers that say yes.")
_WORD = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


@scorer(metrics=[says_yes()])
def yes_no_scorer() -> Scorer:
    """`says-yes`, `says-no` or `unparseable`, from the visible answer alone."""

    async def score(state: TaskState, target: Target) -> Score:
        found = _WORD.search(state.output.completion)
        if found is None:
            return Score(value="unparseable")
        word = found.group(1).lower()
        return Score(value=f"says-{word}", answer=word)

    return score


def build_task(items: Sequence[WorkItem]) -> Task:
    """The task whose samples are exactly `items`."""
    return suite_task(SUITE, items, solver=seeded_generate(), scorer=yes_no_scorer())
