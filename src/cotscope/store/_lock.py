"""Who may write a run directory, and the errors a user sees when a store cannot be used.

Two locks guard a run directory:

- the **writer lock**, an advisory `flock` on `.cotscope-writer.lock`, held by one
  command (`run`, `ingest`, `grade`, `intervene`) for its whole life, so two writers
  never interleave; a second writer waits for it a bounded time, then fails with a
  message naming the holder;
- DuckDB's own file lock on `cotscope.duckdb`, which a sweep or a grading run holds
  only while it commits a chunk, so `stats`, `report` and `export` can read a run
  between commits (and say that it is still being written).

Every failure to open or write a store becomes a `StoreError` whose message is one
line naming the run directory and what to do.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

LOCK_FILENAME = ".cotscope-writer.lock"
DEFAULT_LOCK_TIMEOUT_S = 30.0
WRITER_COMMIT_TIMEOUT_S = 600.0
"""How long the run's own writer waits for readers to let it commit a chunk."""


class StoreError(RuntimeError):
    """A store could not be opened, read or written; the message says why and what to do."""


class StoreLockedError(StoreError):
    """Another process writes the run (or holds its database) beyond the wait allowed."""


class StoreNotFoundError(StoreError):
    """The run directory holds no store."""


class StoreCorruptError(StoreError):
    """The database file is not a readable DuckDB database."""


class StoreReadOnlyError(StoreError):
    """The run directory cannot be written (read-only file system or permissions)."""


class StoreFullError(StoreError):
    """The disk (or quota) holding the run directory is full."""


class WriterInfo(BaseModel):
    """The process that holds a run directory's writer lock."""

    pid: int
    """Its process id."""

    command: str
    """The cotscope command it runs, e.g. `cotscope run`."""

    started: datetime
    """When it took the lock."""

    def describe(self) -> str:
        """A short phrase for messages."""
        return f"pid {self.pid}, `{self.command}` since {self.started:%Y-%m-%d %H:%M:%S}"


def lock_timeout() -> float:
    """Seconds to wait for a lock held by another process (`$COTSCOPE_LOCK_TIMEOUT`)."""
    raw = os.environ.get("COTSCOPE_LOCK_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_LOCK_TIMEOUT_S
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT_S


_UNWRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL = {errno.ENOSPC, errno.EDQUOT}


def os_error(ex: OSError, run_dir: Path, doing: str) -> StoreError:
    """A `StoreError` for an operating-system failure while `doing` something in `run_dir`."""
    where = ex.filename or run_dir
    if ex.errno in _UNWRITABLE:
        return StoreReadOnlyError(
            f"{run_dir}: cannot {doing}: {where} is not writable ({ex.strerror}); "
            "use a writable run directory, or copy this one somewhere writable"
        )
    if ex.errno in _FULL:
        return StoreFullError(
            f"{run_dir}: cannot {doing}: {ex.strerror}; free some space and run the same "
            "command again (nothing half-written was kept)"
        )
    return StoreError(f"{run_dir}: cannot {doing}: {ex.strerror or ex}")


_held: dict[Path, int] = {}
_held_guard = threading.Lock()


def active_writer(run_dir: str | Path) -> WriterInfo | None:
    """The process writing `run_dir` now, or None (also when it cannot be told)."""
    path = Path(run_dir) / LOCK_FILENAME
    with _held_guard:
        if Path(run_dir).resolve() in _held:
            return WriterInfo(pid=os.getpid(), command=_command(), started=datetime.now())
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_info(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_info(fd: int) -> WriterInfo:
    try:
        raw = os.pread(fd, 4096, 0)
        return WriterInfo.model_validate_json(raw)
    except (OSError, ValueError):
        return WriterInfo(pid=0, command="unknown", started=datetime.now())


def _command() -> str:
    args = [Path(sys.argv[0]).name, *sys.argv[1:2]] if sys.argv and sys.argv[0] else []
    return " ".join(args) or "python"


@contextmanager
def writer_lock(
    run_dir: str | Path, command: str | None = None, timeout: float | None = None
) -> Iterator[None]:
    """Hold `run_dir`'s writer lock for the block, waiting up to `timeout` seconds for it.

    Re-entrant within a process: a writer that calls another writer of the same run
    directory (a sweep writing its report, say) does not wait for itself.

    Raises:
        StoreLockedError: another process kept the lock past the timeout.
        StoreReadOnlyError: the run directory cannot be created or written.
    """
    run_dir = Path(run_dir)
    key = run_dir.resolve()
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as ex:
        raise os_error(ex, run_dir, "write the run directory") from None
    try:
        _acquire(fd, run_dir, lock_timeout() if timeout is None else timeout)
        info = WriterInfo(pid=os.getpid(), command=command or _command(), started=datetime.now())
        _write_info(fd, info.model_dump_json().encode())
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                del _held[key]
            _write_info(fd, b"")
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _write_info(fd: int, data: bytes) -> None:
    """Say who holds the lock, for other processes' messages; a full disk only loses that."""
    try:
        os.ftruncate(fd, 0)
        if data:
            os.pwrite(fd, data, 0)
    except OSError:
        pass


def _acquire(fd: int, run_dir: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _read_info(fd)
                raise StoreLockedError(
                    f"{run_dir}: another cotscope process is writing this run "
                    f"({holder.describe()}); waited {timeout:.0f} s. Wait for it to finish "
                    "(or stop it), then run the same command again"
                ) from None
            time.sleep(0.2)
