"""The report: one self-contained HTML page per run, rendered from its results.

`build_report(run_dir)` runs `cotscope analyse` when results are stale, then renders
every installed `ReportSection` (entry-point group `cotscope.report_sections`) with
Jinja2 templates into `<run>/report.html`, figures under `<run>/figures/`. Sections
read the run's results (`ReportContext.result`) and never compute statistics; see
`_sections.py` for how to add one.
"""

from markupsafe import Markup

from ._build import FIGURES_DIRNAME, REPORT_FILENAME, build_report, open_context
from ._context import ReportContext, ReportOptions, Span, TextField
from ._format import interval, p_text, pct, pretty_json, slug, steps
from ._sections import (
    ENTRY_POINT_GROUP,
    ReportSection,
    SectionLoadError,
    SectionRenderer,
    SpanSource,
    registered_sections,
)
from ._templates import render
from .sections.transcripts import highlight

__all__ = [
    "ENTRY_POINT_GROUP",
    "FIGURES_DIRNAME",
    "REPORT_FILENAME",
    "Markup",
    "ReportContext",
    "ReportOptions",
    "ReportSection",
    "SectionLoadError",
    "SectionRenderer",
    "Span",
    "SpanSource",
    "TextField",
    "build_report",
    "highlight",
    "open_context",
    "interval",
    "p_text",
    "pct",
    "pretty_json",
    "registered_sections",
    "render",
    "slug",
    "steps",
]
