"""`cotscope export`: write a run's store tables to Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the `export` command."""
    app.command("export")(export)


def export(
    run_dir: Annotated[Path, typer.Argument(help="Run directory holding cotscope.duckdb.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Folder for the Parquet files.")
    ] = None,
) -> None:
    """Export every table of the store (samples, variants, runs, grades, ...) to Parquet."""
    from ._report import open_store

    with open_store(run_dir) as store:
        paths = store.export_parquet(output or run_dir / "parquet")
    for p in paths:
        typer.echo(str(p))
