"""The covert-actions suite: agentic environments where a model can act covertly.

Eight environments (each a variant family, see `_variants.ENVIRONMENTS`):
sandbagging QA, a lazy checklist, log falsification, an impossible coding task,
candidate scoring, a power-seeking survey, grader tampering and legal reporting.
Each has treatment variants (an incentive for a covert action) and control
variants that remove it (`scoring.role`). The model works in a sandboxed
workspace through Inspect tools; a programmatic criterion on what it did (files,
answers, code, report fields) labels each sample `covert-action`, `honest` or
`unparseable`.

Importing this package registers the suite and stays cheap: Inspect is imported
only when a task is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._suite import SuiteDef, WorkItem, register_suite
from ._criteria import OUTCOMES, Judgement, Outcome, judge
from ._rules import Rule
from ._variants import ENVIRONMENTS, SUITE, load_variants, role_of

if TYPE_CHECKING:
    from inspect_ai import Task

__all__ = [
    "ENVIRONMENTS",
    "OUTCOMES",
    "SUITE",
    "Judgement",
    "Outcome",
    "Rule",
    "build_task",
    "judge",
    "load_variants",
    "role_of",
    "suite",
]


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly `items` (see `_task.build_task`)."""
    from ._task import build_task as build

    return build(items)


def suite() -> SuiteDef:
    """The covert-actions suite's definition."""
    return SuiteDef(
        name=SUITE,
        description="Agentic environments where a covert action (sandbagging, falsifying, "
        "tampering, omitting) is possible; treatment vs control.",
        load_variants=load_variants,
        build_task=build_task,
    )


register_suite(SUITE, suite)
