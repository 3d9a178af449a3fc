"""Assemble the report: one self-contained HTML file at `<run>/report.html`."""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.util
import os
from datetime import datetime
from pathlib import Path

from cotscope import __version__
from cotscope.results import current_results, results_state, run_stats
from cotscope.stats import resolve_run
from cotscope.store import Store, active_writer, os_error

from ._assets import CSS, JS
from ._html import Markup, el, esc, join
from ._sections import ReportContext, ReportOptions, registered_sections

PLUGIN_MODULES: tuple[str, ...] = (
    "cotscope.report._builtin",
    "cotscope.report._outcomes",
    "cotscope.report._transcripts",
    "cotscope.interventions._report",
    "cotscope.graders._report",
    "cotscope.terms._report",
)
"""Modules that register sections or span sources; a new measure adds its module here.

Suite packages need no entry: an installed suite's `<package>._report` is imported when it
exists (see `cotscope.suites.suite_packages`)."""


def plugin_modules() -> list[str]:
    """PLUGIN_MODULES plus every installed suite's `_report` module."""
    from cotscope.suites._suite import suite_packages

    suite_reports = [
        f"{package}._report"
        for package in suite_packages()
        if importlib.util.find_spec(f"{package}._report") is not None
    ]
    return [*PLUGIN_MODULES, *suite_reports]


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
    # read-only run directory, another writer), sections compute what they need.
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


def build_report(
    run_dir: str | Path,
    run: str | None = None,
    options: ReportOptions | None = None,
    out_dir: str | Path | None = None,
) -> Path:
    """Write `report.html` (and PNGs under `figures/`) into `out_dir`, by default `run_dir`.

    Args:
        run_dir: Run directory holding `cotscope.duckdb`.
        run: Run name when the store holds several.
        options: Build options (transcript sampling, figures).
        out_dir: Folder for the report, e.g. when the run directory is read-only.

    Returns:
        Path of the written report.

    Raises:
        StoreError: the store cannot be read, or the folder cannot be written (checked
            before any work is done).
    """
    for module in plugin_modules():
        importlib.import_module(module)
    options = options or ReportOptions()
    run_dir = Path(run_dir)
    folder = Path(out_dir) if out_dir is not None else run_dir
    out = folder / REPORT_FILENAME
    if options.analyse:
        _analyse_if_possible(run_dir, run)
    with Store(run_dir, read_only=True) as store:
        _check_writable(folder, run_dir)
        writer = active_writer(run_dir)
        name = resolve_run(store, run)
        state = results_state(store, name)
        stats = run_stats(store, name, state=state)
        ctx = ReportContext(run_dir, store, stats, options, folder / FIGURES_DIRNAME)
        # The rates are `stats`, read above; every other current result, for the sections.
        ctx.results = current_results(store, name, exclude=["rates"], state=state)
        rendered = []
        for spec in registered_sections():
            body = spec.render(ctx)
            if body is not None:
                rendered.append((spec, body))
    toc = el("nav", *(el("a", s.title, href=f"#{s.key}") for s, _ in rendered), class_="toc")
    sections = join(el("section", el("h2", s.title), body, id=s.key) for s, body in rendered)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    head = Markup(
        '<meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp())}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc('cotscope report: ' + stats.run)}</title><style>{CSS}</style>"
    )
    body = join(
        [
            el("h1", f"cotscope report: {stats.run}"),
            el("p", f"Generated {stamp} by cotscope {__version__} from {run_dir}.", class_="muted"),
            el(
                "p",
                f"This run was still being written when the report was made "
                f"({writer.describe()}): it covers the samples committed by then.",
                class_="warning",
            )
            if writer is not None
            else "",
            toc,
            sections,
        ]
    )
    page = (
        f'<!doctype html>\n<html lang="en"><head>{head}</head>'
        f"<body><main>{body}</main><script>{JS}</script></body></html>\n"
    )
    tmp = out.with_suffix(".html.tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
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
