"""The report: one self-contained HTML page per run, built from registered sections.

`build_report(run_dir)` writes `<run>/report.html` and `<run>/figures/*.png`.
Later measures add a section with `@report_section(key, title, order)` and
evidence highlights with `@transcript_spans(name)`; see `_sections.py` for the
contract and register the defining module in `PLUGIN_MODULES` (`_build.py`).
"""

from ._build import FIGURES_DIRNAME, PLUGIN_MODULES, REPORT_FILENAME, build_report
from ._html import Markup, el, esc, interval, join, p_text, pct, table
from ._sections import (
    ReportContext,
    ReportOptions,
    SectionRenderer,
    SectionSpec,
    Span,
    SpanSource,
    registered_sections,
    report_section,
    transcript_spans,
)
from ._transcripts import highlight

__all__ = [
    "FIGURES_DIRNAME",
    "PLUGIN_MODULES",
    "REPORT_FILENAME",
    "Markup",
    "ReportContext",
    "ReportOptions",
    "SectionRenderer",
    "SectionSpec",
    "Span",
    "SpanSource",
    "build_report",
    "el",
    "esc",
    "highlight",
    "interval",
    "join",
    "p_text",
    "pct",
    "registered_sections",
    "report_section",
    "table",
    "transcript_spans",
]
