"""The ingest driver: files in, rows committed at once, every bad record accounted for.

`--on-error fail` (the default) stops at the first problem and rolls back, so the store
is exactly as it was. `--on-error skip` ingests what it can and writes each rejected
record, with its file, line, field and reason, to a rejects file.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb

from cotscope.store import DB_FILENAME, LOCK_FILENAME, Store, paused_gc, writer_lock

from ._adapt import FieldMap, Format
from ._errors import IngestUsageError
from ._rows import Constants, RowBuilder
from ._run import FileReader, FileReport, Progress
from ._sources import estimate_record_bytes
from ._writer import Writer, load_known, storage_plan

OnError = Literal["fail", "skip"]
DEFAULT_MAX_RECORD_MB = 64
REJECTS_FILENAME = "ingest-rejects.jsonl"
INPUT_SUFFIXES = (".jsonl", ".ndjson", ".json", ".eval", ".parquet", ".txt", ".gz")


@dataclass
class IngestOptions:
    """How to read the inputs and where to write them."""

    out: Path
    """Run directory; its name becomes the run name."""

    fmt: Format | None = None
    """Record format; detected per file when None."""

    fmap: FieldMap = field(default_factory=FieldMap)
    """`--map target=source` pairs."""

    model_id: str | None = None
    """Model id for every record (`--model-id`)."""

    step: int | None = None
    """Training step for every record (`--step`)."""

    suite: str | None = None
    """Suite for every record (`--suite`)."""

    run_id: str | None = None
    """Training run for every record (`--run-id`); records may carry their own (`run`)."""

    phase: str | None = None
    """Training phase for every record (`--phase`); records may carry their own (`phase`)."""

    on_error: OnError = "fail"
    """`fail`: stop and write nothing; `skip`: ingest the rest and list rejects."""

    rejects: Path | None = None
    """Rejects file for `skip`; default `<out>/ingest-rejects.jsonl`."""

    max_record_mb: float = DEFAULT_MAX_RECORD_MB
    """Largest record (JSON line or text file) accepted, in MiB."""

    keep_extra: bool = True
    """Keep record fields outside the schema in `metadata`."""

    outcome_name: str | None = None
    """What a true/false outcome measures (`--outcome-name`, e.g. `reward hack`).

    By default it is the name of the field mapped to `outcome`.
    """


@dataclass
class IngestResult:
    """Totals of one ingest."""

    run: str
    store: Path
    files: list[FileReport]
    rejects_path: Path | None
    seconds: float
    bytes: int
    first_duplicate: str | None = None

    def total(self, attr: str) -> int:
        """Sum of one `FileReport` counter over the files."""
        return sum(int(getattr(f, attr)) for f in self.files)


def expand_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: each path, with directories expanded to their input files.

    Raises:
        IngestUsageError: naming every path that does not exist.
    """
    out: list[Path] = []
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise IngestUsageError(f"no such file or directory: {', '.join(missing)}")
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and p.name != REJECTS_FILENAME
            )  # fmt: skip
            if not found:
                raise IngestUsageError(f"{path}: directory holds no input files")
            out.extend(found)
        else:
            out.append(path)
    return out


def _spec(paths: Sequence[Path], o: IngestOptions, reports: list[FileReport]) -> dict[str, Any]:
    return {
        "command": "ingest",
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": [str(p.resolve()) for p in paths],
        "format": o.fmt,
        "map": dict(o.fmap.pairs),
        "model_id": o.model_id,
        "step": o.step,
        "suite": o.suite,
        "run_id": o.run_id,
        "phase": o.phase,
        "on_error": o.on_error,
        "max_record_mb": o.max_record_mb,
        "keep_extra": o.keep_extra,
        "outcome_name": o.outcome_name,
        "counts": {
            "records": sum(r.records for r in reports),
            "added": sum(r.added for r in reports),
            "unchanged": sum(r.unchanged for r in reports),
            "duplicates": sum(r.duplicates for r in reports),
            "rejected": sum(r.rejected for r in reports),
        },
    }


def _environment() -> dict[str, Any]:
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for pkg in ("cotscope", "duckdb", "pydantic", "inspect_ai"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"python": platform.python_version(), "packages": versions}


def ingest(
    paths: Sequence[Path], options: IngestOptions, progress: Progress | None = None
) -> IngestResult:
    """Ingest files into the run directory `options.out`, all or nothing.

    Raises:
        IngestUsageError: for missing inputs.
        IngestAborted: under `on_error="fail"`, at the first problem (nothing written).
        StoreError: when the store cannot be opened (e.g. another process holds it) or
            DuckDB fails while writing (the transaction is rolled back).
    """
    started = time.monotonic()
    files = expand_inputs(paths)
    out = options.out
    created_dir = not out.exists()
    with writer_lock(out, "cotscope ingest"):
        return _ingest_locked(files, options, progress, started, created_dir)


def _ingest_locked(
    files: list[Path],
    options: IngestOptions,
    progress: Progress | None,
    started: float,
    created_dir: bool,
) -> IngestResult:
    out = options.out
    run = out.resolve().name
    created_db = not (out / DB_FILENAME).exists()
    state = FileReader(options, options.rejects or out / REJECTS_FILENAME, progress)
    total = sum(p.stat().st_size for p in files)
    rows_per_group, memory = storage_plan(estimate_record_bytes(files[0]), total)
    store = Store(out, row_group_size=rows_per_group)
    writer: Writer | None = None
    committed = False
    try:
        known = load_known(store, run)
        constants = Constants(
            run, options.model_id, options.step, options.suite, options.run_id, options.phase
        )
        builder = RowBuilder(constants, known)
        writer = Writer(store)
        writer.begin(constants.fixed(), memory)
        # The loop makes no reference cycles (refcounting frees every record), but each row
        # buffered for the writer is a tracked tuple: collections walking them cost ~4%.
        with paused_gc():
            reports = [state.file(i, path, builder, writer) for i, path in enumerate(files)]
        writer.drain()
        writer.commit(run, constants.created_at, _spec(files, options, reports), _environment())
        committed = True
    except duckdb.Error as ex:
        err = store.explain(ex, "ingest")
        raise type(err)(f"{err} (nothing of this ingest was written)") from None
    finally:
        if writer is not None and not committed:
            writer.rollback()
        store.close()
        state.rejects.close()
        if not committed and created_db:
            _remove_new_store(out, created_dir)
    return IngestResult(
        run=run,
        store=out / DB_FILENAME,
        files=reports,
        rejects_path=state.rejects.path if state.rejects.count else None,
        seconds=time.monotonic() - started,
        bytes=state.bytes,
        first_duplicate=state.first_duplicate,
    )


def _remove_new_store(out: Path, created_dir: bool) -> None:
    """Undo the creation of a store this ingest made and then did not fill."""
    names = [DB_FILENAME, DB_FILENAME + ".wal"] + ([LOCK_FILENAME] if created_dir else [])
    for name in names:
        (out / name).unlink(missing_ok=True)
    if created_dir and out.is_dir() and not any(out.iterdir()):
        out.rmdir()
