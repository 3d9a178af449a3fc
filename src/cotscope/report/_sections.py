"""The report's extension points: sections, and evidence spans on transcripts.

A section is a function from the report context to HTML (or None to skip):

    from cotscope.report import Markup, ReportContext, el, report_section

    @report_section("graders", "Graders", order=40)
    def graders_section(ctx: ReportContext) -> Markup | None:
        rows = ctx.store.query("SELECT ... FROM grades")
        return el("p", f"{len(rows)} grades") if rows else None

Sections render in `order` (built-ins: 10 run, 20 measures, 30 variants,
90 transcripts). Evidence spans are contributed the same way, by a function
that receives the transcripts chosen for the page and yields
`(sample_uid, Span)` pairs; the browser highlights each span in its text.
A module that defines either must be imported before the report is built:
add it to `PLUGIN_MODULES` in `report/_build.py` (one line, like the CLI registry);
a suite package's `_report` module is found without that line.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from ._html import Markup, esc

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from cotscope.stats import RunStats
    from cotscope.store import Store, StoredResult

TextField = Literal["prompt", "reasoning", "answer"]


@dataclass(frozen=True)
class ReportOptions:
    """Knobs of one report build."""

    max_transcripts: int = 1000
    """Transcripts embedded in the page (a stratified sample when the run has more)."""
    max_chars: int = 6000
    """Characters kept per prompt, reasoning or answer; the rest is marked as cut."""
    transcript_budget_bytes: int = 12_000_000
    """Stop embedding transcripts once their HTML reaches this size."""
    max_table_rows: int = 2000
    """Rows shown per table (variants, per-variant rates); the rest is in the store."""
    figures: bool = True
    """Draw matplotlib figures (off for quick tests)."""
    analyse: bool = True
    """Run `cotscope analyse` first when stored results are stale (skipped when the run
    directory is read-only or another process is writing it; sections then compute
    what they need)."""


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of one transcript field, in characters of the stored text."""

    field: TextField
    """Which text the span is in."""
    start: int
    """First character (0-based)."""
    end: int
    """One past the last character."""
    label: str
    """Short name shown on hover and in the legend, e.g. `eval-awareness`."""
    note: str | None = None
    """Longer explanation (a grader's quote or reason)."""


T = TypeVar("T")


@dataclass
class ReportContext:
    """What every section sees."""

    run_dir: Path
    """The run directory."""
    store: Store
    """The run's store, open read-only."""
    stats: RunStats
    """Every rate, trend and first rise of the run."""
    options: ReportOptions
    """Build options."""
    figures_dir: Path
    """Where PNG figures are written (`<run>/figures`)."""
    figures: list[Path] = field(default_factory=list)
    """Figures written so far."""
    results: dict[str, StoredResult] = field(default_factory=dict)
    """The run's stored results whose inputs are unchanged, by measure name."""

    def result(self, measure: str, kind: type[T]) -> T | None:
        """A current stored result as its type, or None.

        None when it is missing, stale or does not apply: the section computes it.
        """
        from cotscope.store import decode_result

        stored = self.results.get(measure)
        if stored is None or stored.payload is None:
            return None
        return decode_result(kind, stored.payload)

    def figure(self, name: str, fig: Figure, alt: str) -> Markup:
        """Save a matplotlib figure as `figures/<name>.png` and embed it in the page.

        Args:
            name: File stem (no extension); must be unique in the report.
            fig: The figure; it is closed after saving.
            alt: Alternative text for the image.

        Returns:
            An `<img>` whose source is the PNG as a data URI (the page needs no folder).
        """
        import matplotlib.pyplot as plt

        self.figures_dir.mkdir(parents=True, exist_ok=True)
        path = self.figures_dir / f"{name}.png"
        # A constrained layout already fits every label and legend in the canvas; asking
        # for a tight bounding box as well draws the whole figure a second time.
        constrained = type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
        fig.savefig(path, dpi=150, bbox_inches=None if constrained else "tight")
        plt.close(fig)
        self.figures.append(path)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return Markup(f'<img class="figure" src="data:image/png;base64,{data}" alt="{esc(alt)}">')


class SectionRenderer(Protocol):
    """Renders one section's body, or returns None to leave the section out."""

    def __call__(self, ctx: ReportContext) -> Markup | None: ...


@dataclass(frozen=True)
class SectionSpec:
    """A registered section."""

    key: str
    title: str
    order: int
    render: SectionRenderer


SpanSource = Callable[[ReportContext, Sequence[str]], Iterable[tuple[str, Span]]]
"""Given the sample uids on the page, yields (sample_uid, span) pairs to highlight."""

_SECTIONS: dict[str, SectionSpec] = {}
_SPAN_SOURCES: dict[str, SpanSource] = {}


def report_section(
    key: str, title: str, order: int
) -> Callable[[SectionRenderer], SectionRenderer]:
    """Register a report section (re-registering a key replaces it).

    Args:
        key: Stable id, used as the HTML anchor.
        title: Heading shown in the page and its table of contents.
        order: Position among sections (lower first).

    Returns:
        The decorator.
    """

    def register(render: SectionRenderer) -> SectionRenderer:
        _SECTIONS[key] = SectionSpec(key, title, order, render)
        return render

    return register


def transcript_spans(name: str) -> Callable[[SpanSource], SpanSource]:
    """Register a source of evidence spans for the transcript browser."""

    def register(source: SpanSource) -> SpanSource:
        _SPAN_SOURCES[name] = source
        return source

    return register


def registered_sections() -> list[SectionSpec]:
    """Registered sections in order."""
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def span_sources() -> list[SpanSource]:
    """Registered span sources."""
    return list(_SPAN_SOURCES.values())
