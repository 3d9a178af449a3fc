"""The report's "Outcomes" section: what every stored outcome label means, per suite."""

from __future__ import annotations

from cotscope.store import suite_outcomes

from ._html import Markup, el, join, table
from ._sections import ReportContext, report_section


@report_section("outcomes", "Outcomes", order=15)
def outcomes_section(ctx: ReportContext) -> Markup | None:
    """Each suite's outcome labels with their label, role and one-sentence definition."""
    declared = suite_outcomes(ctx.store, ctx.stats.run)
    if not declared:
        return None
    intro = el(
        "p",
        "What each outcome label means, as its suite declares it. The behaviour of interest "
        "is the action in graded action rates and the default target of interventions; "
        "failures are counted beside every rate and never in its n.",
        class_="muted",
    )
    blocks = []
    for suite, outcomes in declared.items():
        rows = [[o.name, o.label, o.role, o.definition] for o in outcomes]
        blocks += [el("h3", suite), table(["outcome", "label", "role", "definition"], rows)]
    return join([intro, *blocks])
