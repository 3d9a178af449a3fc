"""The ingest driver: files in, rows committed at once, every bad record accounted for.

`--on-error fail` (the default) stops at the first problem and rolls back, so the store
is exactly as it was. `--on-error skip` ingests what it can and writes each rejected
record, with its file, line, field and reason, to a rejects file.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import duckdb

from cotscope.store import DB_FILENAME, Store, StoreError

from ._adapt import FieldMap, Format
from ._errors import IngestAborted, IngestUsageError, Problem, RecordError
from ._inspect import inspect_records
from ._parse import RecordParser
from ._rows import Constants, RecordContext, RowBuilder
from ._sources import Container, RawRecord, Source, estimate_record_bytes, open_source
from ._writer import Writer, load_known, storage_plan

OnError = Literal["fail", "skip"]
DEFAULT_MAX_RECORD_MB = 64
REJECTS_FILENAME = "ingest-rejects.jsonl"
INPUT_SUFFIXES = (".jsonl", ".ndjson", ".json", ".eval", ".parquet", ".txt", ".gz")


class Progress(Protocol):
    """Receives progress of the ingest (the CLI draws it with rich)."""

    def start_file(self, name: str, total_bytes: int) -> None:
        """A new file begins."""

    def advance(self, done_bytes: int, records: int) -> None:
        """Bytes of the current file consumed so far, and records read."""

    def end_file(self) -> None:
        """The current file is done."""


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

    on_error: OnError = "fail"
    """`fail`: stop and write nothing; `skip`: ingest the rest and list rejects."""

    rejects: Path | None = None
    """Rejects file for `skip`; default `<out>/ingest-rejects.jsonl`."""

    max_record_mb: float = DEFAULT_MAX_RECORD_MB
    """Largest record (JSON line or text file) accepted, in MiB."""

    keep_extra: bool = True
    """Keep record fields outside the schema in `metadata`."""


@dataclass
class FileReport:
    """What happened to one input file."""

    path: str
    format: str = "?"
    records: int = 0
    added: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0


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


class _Rejects:
    """The rejects file, opened on the first reject."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None

    def write(self, problem: Problem) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(json.dumps(problem.to_reject(), ensure_ascii=False) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _raw_text(raw: RawRecord) -> bytes | str | None:
    if raw.raw is not None:
        return raw.raw
    if raw.data is None:
        return None
    return json.dumps(raw.data, ensure_ascii=False, default=str)


def _records(source: Source) -> Iterable[RawRecord]:
    return inspect_records(source.path) if source.container == "inspect" else source.records()


class _Run:
    """State of one ingest while it streams."""

    def __init__(self, options: IngestOptions, progress: Progress | None) -> None:
        self.o = options
        self.progress = progress
        self.rejects = _Rejects(options.rejects or options.out / REJECTS_FILENAME)
        self.first_duplicate: str | None = None
        self.bytes = 0

    def problem(self, problem: Problem, report: FileReport) -> None:
        """Stop (`fail`) or reject the record and go on (`skip`)."""
        if self.o.on_error == "fail":
            raise IngestAborted(problem)
        report.rejected += 1
        self.rejects.write(problem)

    def _open(self, index: int, path: Path) -> tuple[Source, RecordParser, RecordContext]:
        """Detect a file's container and format; raises `RecordError` for a bad file."""
        o = self.o
        container: Container | None = (
            "inspect" if o.fmt == "inspect" else "text" if o.fmt == "text" else None
        )
        source = open_source(
            path, max_record_bytes=int(o.max_record_mb * 2**20), container=container
        )
        fmt: Format | None = o.fmt or (
            "inspect" if source.container == "inspect" else "text" if source.container == "text"
            else None
        )  # fmt: skip
        parser = RecordParser(o.fmap, fmt, o.keep_extra)
        if fmt == "text" and not o.fmap:
            parser.fmap = FieldMap((("answer", "text"),))
        name = str(path.resolve())
        ctx = RecordContext(
            source=name,
            file_index=index,
            stem=path.name.split(".", 1)[0] or path.name,
            fmt=fmt or "?",
            unit=source.unit,
            log_file=name if source.container == "inspect" else None,
        )
        return source, parser, ctx

    def file(self, index: int, path: Path, builder: RowBuilder, writer: Writer) -> FileReport:
        """Read one file into the writer; returns its counts."""
        report = FileReport(str(path))
        builder.sources.append(str(path))
        try:
            source, parser, ctx = self._open(index, path)
        except RecordError as ex:
            self.problem(Problem(str(path), None, ex.field, ex.message), report)
            return report
        if self.progress:
            self.progress.start_file(path.name, source.size)
        tick = 0
        try:
            for raw in _records(source):
                report.records += 1
                size = len(raw.raw) if raw.raw is not None else 4096
                try:
                    rec = parser.parse(raw)
                    if ctx.fmt == "?":
                        ctx.fmt = parser.fmt or "?"
                    status, value = builder.build(rec, ctx, raw.index)
                except RecordError as ex:
                    problem = Problem(
                        str(path), raw.index, ex.field, ex.message, source.unit, _raw_text(raw)
                    )
                    self.problem(problem, report)
                    continue
                if status == "new":
                    writer.add(value, size)
                    report.added += 1
                elif status == "unchanged":
                    report.unchanged += 1
                else:
                    report.duplicates += 1
                    self.first_duplicate = self.first_duplicate or (
                        f"{path}:{raw.index} repeats {value}"
                    )
                tick += size
                if self.progress and tick > 4 << 20:
                    self.progress.advance(source.position(), report.records)
                    tick = 0
        except RecordError as ex:
            self.problem(Problem(str(path), None, ex.field, ex.message), report)
        finally:
            if self.progress:
                self.progress.advance(source.size, report.records)
                self.progress.end_file()
        report.format = parser.fmt or "?"
        self.bytes += source.size
        if report.records == 0 and not report.rejected:
            self.problem(Problem(str(path), None, None, "no records in file"), report)
        return report


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
        "on_error": o.on_error,
        "max_record_mb": o.max_record_mb,
        "keep_extra": o.keep_extra,
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
    run = out.resolve().name
    created_dir = not out.exists()
    created_db = not (out / DB_FILENAME).exists()
    state = _Run(options, progress)
    total = sum(p.stat().st_size for p in files)
    rows_per_group, memory = storage_plan(estimate_record_bytes(files[0]), total)
    store = Store(out, row_group_size=rows_per_group)
    writer: Writer | None = None
    committed = False
    try:
        known = load_known(store, run)
        constants = Constants(run, options.model_id, options.step, options.suite)
        builder = RowBuilder(constants, known)
        writer = Writer(store)
        writer.begin(memory)
        reports = [state.file(i, path, builder, writer) for i, path in enumerate(files)]
        writer.drain()
        writer.commit(run, constants.created_at, _spec(files, options, reports), _environment())
        committed = True
    except duckdb.Error as ex:
        raise StoreError(f"writing to {store.path} failed, nothing was written: {ex}") from ex
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
    for name in (DB_FILENAME, DB_FILENAME + ".wal"):
        (out / name).unlink(missing_ok=True)
    if created_dir and out.is_dir() and not any(out.iterdir()):
        out.rmdir()
