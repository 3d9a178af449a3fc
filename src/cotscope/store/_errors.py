"""A DuckDB failure on a store as one `StoreError` line that says what to do.

Which failure it was (locked by another process, read-only, full, a damaged file)
picks the subclass; anything else is a plain `StoreError` with DuckDB's first line.
The error classes, and the same for `OSError`, are in `_lock`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ._lock import (
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
    active_writer,
)

# What DuckDB says of a file that is not a whole database (truncated, overwritten, other).
_CORRUPT = ("not a valid duckdb database", "could not read enough bytes", "corrupt")


def is_lock_conflict(ex: duckdb.Error) -> bool:
    """Whether DuckDB failed because another process holds the database file."""
    return "could not set lock" in str(ex).lower()


def explain_error(path: Path, ex: duckdb.Error, doing: str, waited: float = 0.0) -> StoreError:
    """A one-line `StoreError` for a DuckDB failure while `doing` something.

    Args:
        path: The database file (in its run directory).
        ex: The failure.
        doing: What was being done ("open the store", "commit 16 samples", ...).
        waited: Seconds waited for another process's lock.
    """
    run_dir = path.parent
    text = str(ex)
    first = text.splitlines()[0] if text else type(ex).__name__
    if is_lock_conflict(ex):
        writer = active_writer(run_dir)
        who = f" ({writer.describe()})" if writer else ""
        return StoreLockedError(
            f"{run_dir}: the store is in use by another process{who}; waited "
            f"{waited:.0f} s. Wait for it to finish (or stop it), then run the same "
            "command again"
        )
    lower = text.lower()
    if "read-only file system" in lower or "permission denied" in lower:
        return StoreReadOnlyError(
            f"{run_dir}: cannot {doing}: the run directory is not writable ({first}); "
            "use a writable run directory, or copy this one somewhere writable"
        )
    if "no space left" in lower or "disk quota" in lower:
        return StoreFullError(
            f"{run_dir}: cannot {doing}: the disk is full ({first}); free some space "
            "and run the same command again (the store keeps what was committed before)"
        )
    if any(m in lower for m in _CORRUPT) or isinstance(
        ex, duckdb.SerializationException | duckdb.InternalException
    ):
        return StoreCorruptError(
            f"{run_dir}: {path.name} is not a readable DuckDB database ({first}); "
            "restore it from a copy, or re-create the run into a new directory"
        )
    return StoreError(f"{run_dir}: cannot {doing}: {first}")
