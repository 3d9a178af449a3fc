"""Hook for a judge of whether a use of a term refers outside the scenario.

Whether "the watchers" means people in the story or the graders of the training
run needs a reader. A judge is any object with a `name` and an async call that
takes a term and one KWIC line (whose `sample_uid` leads to the full transcript)
and answers `outside`, `inside`, or None when it could not grade. `RubricUsageJudge`
(`_rubric_judge.py`) is the one built on the grader framework, with the packaged
`term-reference` rubric; `cotscope terms --judge MODEL` uses it. A failed grade is
counted on its own, never as `inside`.
"""

from __future__ import annotations

import asyncio
from typing import Literal, Protocol

from ..stats import wilson_interval
from ._models import KwicLine, OutsideScenario, TermReport, TermsResult

Verdict = Literal["outside", "inside"]


class UsageJudge(Protocol):
    """Decides whether one use of a term refers to something outside the scenario."""

    @property
    def name(self) -> str:
        """Name recorded with the result (model and rubric version)."""
        ...

    async def __call__(self, term: str, line: KwicLine) -> Verdict | None:
        """Grade one use; None when the judge failed (refusal, unparseable output)."""
        ...


async def _grade(judge: UsageJudge, term: str, line: KwicLine) -> Verdict | None:
    try:
        return await judge(term, line)
    except Exception:  # a judge that crashes on one use has failed that grade, nothing more
        return None


async def judge_report(report: TermReport, judge: UsageJudge) -> OutsideScenario | None:
    """Grade a term's KWIC sample of uses; None when it has no lines.

    Args:
        report: A term report with KWIC lines.
        judge: The judge.

    Returns:
        The counts and the Wilson interval of the share judged outside.
    """
    if not report.kwic:
        return None
    verdicts = await asyncio.gather(*(_grade(judge, report.term, line) for line in report.kwic))
    outside = sum(v == "outside" for v in verdicts)
    inside = sum(v == "inside" for v in verdicts)
    graded = outside + inside
    return OutsideScenario(
        judge=judge.name,
        outside=outside,
        inside=inside,
        failed=len(verdicts) - graded,
        share=outside / graded if graded else None,
        share_ci=wilson_interval(outside, graded),
    )


async def judge_outside_scenario(result: TermsResult, judge: UsageJudge) -> TermsResult:
    """Fill `outside_scenario` of every reported term from its KWIC sample of uses.

    Args:
        result: An analysis run with `kwic` > 0 (more lines: a tighter interval).
        judge: The judge.

    Returns:
        The same result, updated in place.
    """
    for suite in result.suites:
        for report in (*suite.overused, *suite.emergent, *suite.rising, *suite.tracked):
            report.outside_scenario = await judge_report(report, judge)
    result.outside_scenario_status = f"judged by {judge.name} on each term's KWIC sample of uses"
    return result
