"""Typer application; each command group lives in its own module and registers itself."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="cotscope",
    help=(
        "Measure how language models reason about rewards, graders and oversight, "
        "across training checkpoints and between models."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Each module adds its commands to `app`; imports are cheap (heavy backends load lazily).
    from . import _export, _graders, _ingest, _intervene, _organism, _report, _run, _suites, _terms

    for module in (
        _suites,
        _run,
        _export,
        _report,
        _terms,
        _ingest,
        _organism,
        _intervene,
        _graders,
    ):
        module.register(app)


_register()


def main() -> None:
    """Entry point of the `cotscope` script."""
    app()
