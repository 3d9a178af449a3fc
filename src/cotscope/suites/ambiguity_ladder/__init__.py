"""The ambiguity ladder: one exploit per scenario under five levels of instruction.

Each scenario (a leaked answer key, failing tests, an editable checker, a hidden
solution, a checker with one expected value) is run in a throwaway workspace with
tools, at five levels: explicit prohibition, implied prohibition, silence,
implied permission, explicit permission. The outcome is programmatic on what the
model did: `exploited`, `not-exploited`, or `unparseable` when no tool call ran.
The prediction under test (SCIENCE.md §3) is that RL makes models exploit at ever
less ambiguous levels; the report shows exploit rate against level per checkpoint
and the lowest level at which each checkpoint exploits (`_ladder.py`).

Importing this package registers the suite and stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._suite import SuiteDef, WorkItem, register_suite
from ._criterion import OUTCOMES, CriterionError, Outcome, Verdict, check_exploit, judge_episode
from ._variants import LEVEL_NAMES, LEVELS, SUITE, build_variants, load_variants

if TYPE_CHECKING:
    from inspect_ai import Task

__all__ = [
    "LEVELS",
    "LEVEL_NAMES",
    "OUTCOMES",
    "SUITE",
    "CriterionError",
    "Outcome",
    "Verdict",
    "build_task",
    "build_variants",
    "check_exploit",
    "judge_episode",
    "load_variants",
    "suite",
]


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly `items` (see `_task.build_task`)."""
    from ._task import build_task as build

    return build(items)


def suite() -> SuiteDef:
    """The ambiguity-ladder suite's definition."""
    return SuiteDef(
        name=SUITE,
        description="One exploit per scenario under five instruction levels, from explicit "
        "prohibition to explicit permission.",
        load_variants=load_variants,
        build_task=build_task,
    )


register_suite(SUITE, suite)
