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
    """Export samples, variants and runs to Parquet (one file per table)."""
    from ..store import Store, StoreError

    try:
        with Store(run_dir, read_only=True) as store:
            paths = store.export_parquet(output or run_dir / "parquet")
    except StoreError as ex:
        typer.echo(f"error: {ex}", err=True)
        raise typer.Exit(2) from None
    for p in paths:
        typer.echo(str(p))
