"""Typer application; each command group lives in its own module and registers itself.

Every command runs inside `_Group.invoke`, which turns a failure the user can act on
(a locked, missing, corrupt, read-only or full run directory) into one `error:` line
on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import errno
import gc
from typing import Any

import typer
from typer.core import TyperGroup

# A command builds hundreds of thousands of short-lived objects that hold no cycles (a
# million-rollout run's rows, a report's figures). Python's default collects every 700
# allocations and walked them again each time: ~0.4 s of a report on such a run.
gc.set_threshold(20_000, 20, 20)

# Operating-system failures a user causes and can fix; anything else is a bug and keeps
# its traceback.
_USER_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT}


class _Group(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # typer vendors its own click Context
        from ..store import StoreError

        try:
            return super().invoke(ctx)
        except StoreError as ex:
            typer.echo(f"error: {ex}", err=True)
            raise typer.Exit(1) from None
        except OSError as ex:
            if ex.errno not in _USER_ERRNOS:
                raise
            where = f"{ex.filename}: " if ex.filename else ""
            hint = (
                "free some space and run the same command again"
                if ex.errno in (errno.ENOSPC, errno.EDQUOT)
                else "choose a writable folder (see the command's --output option)"
            )
            typer.echo(f"error: {where}{ex.strerror}; {hint}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="cotscope",
    cls=_Group,
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
    from . import (
        _analyse,
        _demo,
        _export,
        _graders,
        _ingest,
        _intervene,
        _organism,
        _report,
        _run,
        _suites,
        _terms,
    )

    for module in (
        _suites,
        _run,
        _demo,
        _export,
        _report,
        _analyse,
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
