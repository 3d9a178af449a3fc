"""What a section sees: the run's stored results, its store for texts, build options."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from markupsafe import Markup

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from cotscope.results import RunResults
    from cotscope.stats import RunStats
    from cotscope.store import Store

    from ._sections import SpanSource

TextField = Literal["prompt", "reasoning", "answer"]
T = TypeVar("T")


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
    """Draw matplotlib figures as SVG (off for quick tests)."""
    analyse: bool = True
    """Run `cotscope analyse` first when stored results are stale. When the run directory
    is read-only or another process is writing it, stale results are computed for this
    page only, by the same measures, and not stored."""


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


@dataclass
class ReportContext:
    """What every section sees. Sections render; the numbers come from `results`."""

    run_dir: Path
    """The run directory."""
    store: Store
    """The run's store, open read-only: for texts and declarations through its typed
    queries, never for statistics."""
    results: RunResults
    """Every measure's result of the run (stored, or computed for this page)."""
    options: ReportOptions
    """Build options."""
    figures_dir: Path
    """Where SVG figures are written (`<run>/figures`)."""
    span_sources: list[SpanSource] = field(default_factory=list)
    """Sources of evidence spans for the transcript browser, from every section."""
    figures: list[Path] = field(default_factory=list)
    """Figures written so far."""

    @property
    def stats(self) -> RunStats:
        """Every rate, trend and first rise of the run (the `rates` result)."""
        return self.results.stats

    def result(self, measure: str, kind: type[T]) -> T | None:
        """A measure's result as its type; None when the measure does not apply."""
        return self.results.get(measure, kind)

    def figure(self, name: str, fig: Figure, alt: str) -> Markup:
        """Save a matplotlib figure as `figures/<name>.svg` and embed it in the page.

        Args:
            name: File stem (no extension); must be unique in the report.
            fig: The figure; it is closed after saving.
            alt: Alternative text for the image.

        Returns:
            An `<img>` whose source is the SVG as a data URI (the page needs no folder).
        """
        import matplotlib

        self.figures_dir.mkdir(parents=True, exist_ok=True)
        path = self.figures_dir / f"{name}.svg"
        # A constrained layout already fits every label and legend in the canvas; asking
        # for a tight bounding box as well draws the whole figure a second time. SVG with
        # text kept as text: no rasterising, no PNG compression, no glyphs as paths
        # (about 0.1 s a figure instead of 0.17 s as a 150-dpi PNG), and sharp at any zoom.
        constrained = type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
            fig.savefig(path, format="svg", bbox_inches=None if constrained else "tight",
                        metadata={"Date": None})  # fmt: skip
        self.figures.append(path)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return Markup('<img class="figure" src="data:image/svg+xml;base64,{}" alt="{}">').format(
            data, alt
        )
