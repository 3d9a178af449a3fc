"""Report sections: one `ReportSection` object each, found through one entry-point group.

A section turns the run's results into HTML with a template, or returns None to be
left out. It may also contribute evidence spans to the transcript browser. Every
section, cotscope's own included, is registered in `pyproject.toml`:

    [project.entry-points."cotscope.report_sections"]
    my-measure = "my_package.report:SECTION"

where `SECTION = ReportSection("my-measure", "My measure", order=60, render=...)`.
Sections render in `order` (built-ins: 5 summary, 10 run, 15 outcomes, 20 measures,
30 variants, 36–56 measures and suites, 70 interventions, 90 transcripts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cotscope._plugins import plugin_entry_points

if TYPE_CHECKING:
    from markupsafe import Markup

    from ._context import ReportContext, Span

ENTRY_POINT_GROUP = "cotscope.report_sections"

SpanSource = Callable[["ReportContext", Sequence[str]], Iterable[tuple[str, "Span"]]]
"""Given the sample uids on the page, yields (sample_uid, span) pairs to highlight."""

SectionRenderer = Callable[["ReportContext"], "Markup | None"]
"""Renders one section's body, or returns None to leave the section out."""


class SectionLoadError(RuntimeError):
    """A registered section could not be imported, or is not a `ReportSection`."""


@dataclass(frozen=True)
class ReportSection:
    """One section of the report."""

    key: str
    """Stable id, used as the HTML anchor."""
    title: str
    """Heading shown in the page and its table of contents."""
    order: int
    """Position among sections (lower first)."""
    render: SectionRenderer
    """Its body from the report context, or None to leave it out."""
    spans: SpanSource | None = None
    """Evidence spans it adds to the transcript browser, if any."""


def registered_sections(extra: Sequence[ReportSection] = ()) -> list[ReportSection]:
    """Every installed section, then `extra`, in order (a later key replaces an earlier one).

    Args:
        extra: Sections not installed, e.g. a notebook's own before it is packaged.

    Raises:
        SectionLoadError: a section's entry point fails to load, naming it.
    """
    found: dict[str, ReportSection] = {}
    for ep in plugin_entry_points(ENTRY_POINT_GROUP):
        try:
            section = ep.load()
        except Exception as ex:
            raise SectionLoadError(
                f"report section {ep.name!r} ({ep.value}) failed to load: {type(ex).__name__}: {ex}"
            ) from ex
        if not isinstance(section, ReportSection):
            raise SectionLoadError(
                f"report section {ep.name!r} ({ep.value}) is a {type(section).__name__}, "
                "not a cotscope.report.ReportSection"
            )
        found[section.key] = section
    found.update((section.key, section) for section in extra)
    return sorted(found.values(), key=lambda s: (s.order, s.key))
