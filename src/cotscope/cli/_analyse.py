"""`cotscope analyse`: compute every measure of a run and store the results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ._report import RunDir, RunName


def register(app: typer.Typer) -> None:
    """Add the `analyse` command."""
    app.command("analyse")(analyse)


def analyse(
    run_dir: RunDir,
    run: RunName = None,
    force: Annotated[
        bool, typer.Option("--force", help="Recompute every measure, changed or not.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what happened to each measure as JSON.")
    ] = False,
) -> None:
    """Run every measure whose inputs changed and store its result in the run's store.

    Measures: rates, trends, first rises and change points; graded rates and action ×
    verbalization; term results; intervention effects; each suite's own analysis.
    Unchanged inputs recompute nothing. `cotscope stats --json` prints the results.
    """
    from rich.console import Console

    from ..results import analyse as run_analyse
    from ..stats import StatsError
    from ..store import require_store

    require_store(run_dir)
    err = Console(stderr=True)
    try:
        with err.status("analysing") as status:
            report = run_analyse(
                Path(run_dir), run, force, progress=lambda m: status.update(f"analysing: {m}")
            )
    except StatsError as ex:
        typer.echo(f"error: {run_dir}: {ex}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=1))
    else:
        for m in report.measures:
            took = f" in {m.seconds:.2f} s" if m.status == "computed" else ""
            why = f": {m.error}" if m.error else ""
            typer.echo(f"{m.measure}: {m.status}{took}{why}")
        if all(m.status in ("up to date", "not applicable") for m in report.measures):
            typer.echo("nothing to recompute: every stored result matches its inputs")
    if report.failed:
        raise typer.Exit(1)
