"""Assemble the report: one self-contained HTML file at `<run>/report.html`."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from cotscope import __version__
from cotscope.results import load_results
from cotscope.stats import resolve_run
from cotscope.store import Store, active_writer, os_error, require_store

from ._assets import CSS, JS
from ._context import ReportContext, ReportOptions
from ._sections import ReportSection, registered_sections
from ._templates import render

REPORT_FILENAME = "report.html"
FIGURES_DIRNAME = "figures"


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()
    # Only our own script (by hash) may run; images only from data URIs; nothing is fetched.
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _analyse_if_possible(run_dir: Path, run: str | None) -> None:
    # Stored results make the report cheap to rebuild; when they cannot be written (a
    # read-only run directory, another writer), `load_results` computes the stale ones
    # for this page only.
    from cotscope.results import analyse
    from cotscope.stats import StatsError
    from cotscope.store import DB_FILENAME, StoreError

    if not (run_dir / DB_FILENAME).is_file() or active_writer(run_dir) is not None:
        return
    if not os.access(run_dir, os.W_OK):
        return
    try:
        analyse(run_dir, run)
    except (StoreError, StatsError):
        return  # the read that follows reports a store or run problem in its own words


@contextmanager
def open_context(
    run_dir: str | Path,
    run: str | None = None,
    options: ReportOptions | None = None,
    out_dir: str | Path | None = None,
    sections: list[ReportSection] | None = None,
) -> Iterator[ReportContext]:
    """The context sections render from, with the run's store open read-only.

    Useful on its own to render one section, e.g. `SECTION.render(ctx)` in a notebook.

    Args:
        run_dir: Run directory holding `cotscope.duckdb`.
        run: Run name when the store holds several.
        options: Build options.
        out_dir: Folder whose `figures/` receives the SVG figures (default `run_dir`).
        sections: Sections whose span sources feed the transcripts (default: installed).
    """
    run_dir = Path(run_dir)
    folder = Path(out_dir) if out_dir is not None else run_dir
    sections = registered_sections() if sections is None else sections
    with Store(run_dir, read_only=True) as store:
        results = load_results(store, resolve_run(store, run))
        spans = [s.spans for s in sections if s.spans is not None]
        yield ReportContext(
            run_dir, store, results, options or ReportOptions(), folder / FIGURES_DIRNAME, spans
        )


def build_report(
    run_dir: str | Path,
    run: str | None = None,
    options: ReportOptions | None = None,
    out_dir: str | Path | None = None,
    extra_sections: list[ReportSection] | None = None,
) -> Path:
    """Write `report.html` (and SVG figures under `figures/`) into `out_dir`, by default `run_dir`.

    Args:
        run_dir: Run directory holding `cotscope.duckdb`.
        run: Run name when the store holds several.
        options: Build options (transcript sampling, figures).
        out_dir: Folder for the report, e.g. when the run directory is read-only.
        extra_sections: Sections to add to (or, by key, replace among) the installed
            ones, e.g. a notebook's own section before it is packaged.

    Returns:
        Path of the written report.

    Raises:
        StoreError: the store cannot be read, or the folder cannot be written (checked
            before any work is done).
    """
    options = options or ReportOptions()
    sections = registered_sections(extra_sections or ())
    run_dir = Path(run_dir)
    folder = Path(out_dir) if out_dir is not None else run_dir
    out = folder / REPORT_FILENAME
    if options.analyse:
        _analyse_if_possible(run_dir, run)
    require_store(run_dir)
    _check_writable(folder, run_dir)  # before the work, not after it
    with open_context(run_dir, run, options, folder, sections) as ctx:
        writer = active_writer(run_dir)
        results = ctx.results
        rendered = []
        for section in sections:
            body = section.render(ctx)
            if body is not None:
                rendered.append((section, body))
    page = render(
        "page.html.j2",
        csp=_csp(),
        css=Markup(CSS),  # our own constants, not data
        js=Markup(JS),
        run=results.run,
        stamp=datetime.now().strftime("%Y-%m-%d %H:%M"),
        version=__version__,
        run_dir=str(run_dir),
        writer=writer.describe() if writer is not None else None,
        failed=results.failed,
        sections=rendered,
    )
    tmp = out.with_suffix(".html.tmp")
    try:
        tmp.write_text(page + "\n", encoding="utf-8")
        os.replace(tmp, out)
    except OSError as ex:
        tmp.unlink(missing_ok=True)
        raise os_error(ex, run_dir, f"write {out}") from None
    return out


def _check_writable(folder: Path, run_dir: Path) -> None:
    """Fail before building when the report could not be saved (read-only, full)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".{REPORT_FILENAME}.probe"
        probe.write_bytes(b"\0" * 4096)
        probe.unlink()
    except OSError as ex:
        err = os_error(ex, run_dir, f"write the report into {folder}")
        raise type(err)(f"{err}; or give --output FOLDER to write it elsewhere") from None
