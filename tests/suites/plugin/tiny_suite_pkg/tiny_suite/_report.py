"""The suite's own report section, registered when a report is built."""

from __future__ import annotations

from cotscope.report import Markup, ReportContext, el, report_section


@report_section("tiny-yesno", "Tiny yes/no suite", order=60)
def tiny_section(ctx: ReportContext) -> Markup | None:
    """How many answers the suite stored, per outcome."""
    rows = ctx.store.query(
        "SELECT outcome, count(*) AS n FROM samples WHERE run = ? AND suite = 'tiny_yesno' "
        "GROUP BY outcome ORDER BY outcome",
        [ctx.stats.run],
    )
    if not rows:
        return None
    return el("p", "; ".join(f"{r['outcome']}: {r['n']}" for r in rows), class_="tiny-counts")
