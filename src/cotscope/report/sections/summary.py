"""The "Summary" section: every measure's finding in one paragraph, before any table."""

from __future__ import annotations

from markupsafe import Markup

from .._context import ReportContext
from .._sections import ReportSection
from .._templates import render


def _render(ctx: ReportContext) -> Markup:
    # The same sentences as `stats --json`'s `summary`.
    return render("sections/summary.html.j2", lines=[line.text for line in ctx.stats.summary])


SECTION = ReportSection("summary", "Summary", order=5, render=_render)
