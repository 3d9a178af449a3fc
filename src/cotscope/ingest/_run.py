"""Reading an ingest's files into the writer, one record at a time, every problem counted.

Two loops share the bookkeeping: JSON lines, the format of large rollout dumps, take a
lean loop (plain tuples from the reader, flat records decoded by msgspec); every other
container yields `RawRecord`s to the general loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from ._adapt import FieldMap, Format
from ._errors import IngestAborted, Problem, RecordError
from ._flat import FlatRecord
from ._inspect import inspect_records
from ._parse import RecordParser
from ._rows import RecordContext, RowBuilder
from ._schema import TranscriptRecord
from ._sources import Container, RawRecord, Source, open_source
from ._writer import Writer

if TYPE_CHECKING:
    from ._ingest import IngestOptions

_PROGRESS_BYTES = 4 << 20
"""Bytes read between two progress updates."""


class Progress(Protocol):
    """Receives progress of the ingest (the CLI draws it with rich)."""

    def start_file(self, name: str, total_bytes: int) -> None:
        """A new file begins."""

    def advance(self, done_bytes: int, records: int) -> None:
        """Bytes of the current file consumed so far, and records read."""

    def end_file(self) -> None:
        """The current file is done."""


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


class Rejects:
    """The rejects file, opened on the first reject."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None

    def write(self, problem: Problem) -> None:
        """Append one rejected record."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(json.dumps(problem.to_reject(), ensure_ascii=False) + "\n")
        self.count += 1

    def close(self) -> None:
        """Close the file, if one was opened."""
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


class FileReader:
    """Reads the files of one ingest into a writer; stops or rejects on each problem."""

    def __init__(self, options: IngestOptions, rejects: Path, progress: Progress | None) -> None:
        self.o = options
        self.progress = progress
        self.rejects = Rejects(rejects)
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
        try:
            if source.container == "jsonl":
                self._lines(source, parser, ctx, builder, writer, report)
            else:
                self._records(source, parser, ctx, builder, writer, report)
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

    def _lines(
        self,
        source: Source,
        parser: RecordParser,
        ctx: RecordContext,
        builder: RowBuilder,
        writer: Writer,
        report: FileReport,
    ) -> None:
        """The loop of JSON lines: the one a multi-gigabyte dump runs a million times."""
        build, add, flat = builder.build, writer.add, parser.flat
        progress, tick = self.progress, 0
        for index, line, problem in source.lines():
            report.records += 1
            try:
                rec: TranscriptRecord | FlatRecord | None = None if problem else flat(line)
                if rec is None:
                    rec = parser.parse(RawRecord(index, raw=line.rstrip(b"\r\n"), problem=problem))
                    if ctx.fmt == "?":
                        ctx.fmt = parser.fmt or "?"
                status, value = build(rec, ctx, index)
            except RecordError as ex:
                raw = line.rstrip(b"\r\n")
                self.problem(
                    Problem(report.path, index, ex.field, ex.message, source.unit, raw), report
                )
                continue
            if status == "new":
                add(value, len(line))
                report.added += 1
            else:
                self._repeat(status, value, report, index)
            tick += len(line)
            if progress and tick > _PROGRESS_BYTES:
                progress.advance(source.position(), report.records)
                tick = 0

    def _records(
        self,
        source: Source,
        parser: RecordParser,
        ctx: RecordContext,
        builder: RowBuilder,
        writer: Writer,
        report: FileReport,
    ) -> None:
        tick = 0
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
                    report.path, raw.index, ex.field, ex.message, source.unit, _raw_text(raw)
                )
                self.problem(problem, report)
                continue
            if status == "new":
                writer.add(value, size)
                report.added += 1
            else:
                self._repeat(status, value, report, raw.index)
            tick += size
            if self.progress and tick > _PROGRESS_BYTES:
                self.progress.advance(source.position(), report.records)
                tick = 0

    def _repeat(self, status: str, where: object, report: FileReport, index: int) -> None:
        if status == "unchanged":
            report.unchanged += 1
        else:
            report.duplicates += 1
            if self.first_duplicate is None:
                self.first_duplicate = f"{report.path}:{index} repeats {where}"
