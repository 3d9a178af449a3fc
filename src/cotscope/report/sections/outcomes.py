"""The "Outcomes" section: what every stored outcome label means, per suite."""

from __future__ import annotations

from markupsafe import Markup

from cotscope.store import suite_outcomes

from .._context import ReportContext
from .._sections import ReportSection
from .._templates import render


def _render(ctx: ReportContext) -> Markup | None:
    declared = suite_outcomes(ctx.store, ctx.stats.run)
    if not declared:
        return None
    tables = {
        suite: [[o.name, o.label, o.role, o.definition] for o in outcomes]
        for suite, outcomes in declared.items()
    }
    return render("sections/outcomes.html.j2", tables=tables)


SECTION = ReportSection("outcomes", "Outcomes", order=15, render=_render)
