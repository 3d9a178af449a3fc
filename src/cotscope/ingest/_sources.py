"""Input files as streams of raw records, whatever their container.

A container is how records are laid out in a file (JSON lines, a JSON array or
document stream, Parquet, plain text, an Inspect log); a *format* is what one record
means (see `_adapt.py`). Nothing here holds a whole file in memory: JSON lines are read
one at a time with a size cap, JSON arrays are streamed with ijson, Parquet in batches.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from ._errors import RecordError

Container = Literal["jsonl", "json", "parquet", "text", "inspect"]

SNIFF_BYTES = 64 * 1024
TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_SKIP_CHUNK = 1 << 20
_READ_BUFFER = 1 << 20
"""Read buffer: the default 8 KB costs one system call per 3 KB line of a rollout dump."""


@dataclass(slots=True)
class RawRecord:
    """One record as read from its container, before it is adapted and validated."""

    index: int
    """1-based line (JSON lines) or record index (other containers)."""

    raw: bytes | None = None
    """The record's bytes, for JSON lines (parsed later, on the fast path)."""

    data: Any = None
    """The parsed record, for containers that parse while streaming."""

    problem: RecordError | None = None
    """Set when the record could not even be read (bad bytes, truncated JSON, too long)."""


@dataclass
class Source:
    """One input file, opened lazily, with its detected container."""

    path: Path
    container: Container
    size: int
    max_record_bytes: int
    gzipped: bool = False
    _raw: IO[bytes] | None = field(default=None, repr=False)

    @property
    def unit(self) -> str:
        """How records are counted in messages: `line` or `record`."""
        return "line" if self.container in ("jsonl", "text") else "record"

    def position(self) -> int:
        """Bytes of the file consumed so far (compressed bytes for gzip), for progress."""
        if self._raw is None or self._raw.closed:
            return 0
        return self._raw.tell()

    def records(self) -> Iterator[RawRecord]:
        """Stream the file's records; the file is closed when the iterator ends."""
        if self.container == "parquet":
            yield from self._parquet()
        elif self.container == "jsonl":
            for index, line, problem in self.lines():
                raw = line if problem else line.rstrip(b"\r\n")
                yield RawRecord(index, raw=raw, problem=problem)
        else:
            with self._stream() as stream:
                if self.container == "json":
                    yield from self._json(stream)
                else:
                    yield from self._text(stream)

    @contextmanager
    def _stream(self) -> Iterator[IO[bytes]]:
        with self.path.open("rb", buffering=_READ_BUFFER) as raw:
            self._raw = raw
            yield gzip.GzipFile(fileobj=raw) if self.gzipped else raw  # type: ignore[misc]

    def lines(self) -> Iterator[tuple[int, bytes, RecordError | None]]:
        """JSON lines as (1-based line number, bytes with the newline, problem or None).

        Blank lines are skipped (but counted); a line over the size limit comes as its
        first 4 KB with a problem, and is never held whole.
        """
        limit = self.max_record_bytes + 1
        index = 0
        with self._stream() as stream:
            readline = stream.readline
            while line := readline(limit):
                index += 1
                if len(line) == limit and not line.endswith(b"\n"):
                    total = len(line)
                    while chunk := readline(_SKIP_CHUNK):
                        total += len(chunk)
                        if chunk.endswith(b"\n"):
                            break
                    yield index, line[:4096], _too_long(total, self)
                    continue
                if index == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if line[:1] == b"{" or line.strip():  # strip copies the line: only for odd ones
                    yield index, line, None

    def _json(self, stream: IO[bytes]) -> Iterator[RawRecord]:
        import ijson  # type: ignore[import-untyped]

        head = stream.peek(SNIFF_BYTES) if hasattr(stream, "peek") else b""
        prefix = "item" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") else ""
        index = 0
        try:
            for obj in ijson.items(stream, prefix, use_float=True, multiple_values=True):
                index += 1
                yield RawRecord(index, data=obj)
        except (ijson.JSONError, ijson.IncompleteJSONError) as ex:
            # The C backend's message is bytes, with a copy of the bad input under it.
            raw = ex.args[0] if ex.args else ""
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            detail = (text.strip().splitlines() or [type(ex).__name__])[0]
            if "premature EOF" in detail or "incomplete" in detail.lower():
                message = f"truncated JSON: the file ends inside record {index + 1}"
            elif "utf8" in detail.lower().replace("-", ""):
                message = (
                    f"invalid UTF-8 in record {index + 1}: a string holds bytes that are not "
                    "UTF-8 (re-save the file as UTF-8)"
                )
            else:
                message = f"invalid JSON in record {index + 1}: {detail}"
            yield RawRecord(index + 1, problem=RecordError(message + _json_tail_note(index)))

    def _text(self, stream: IO[bytes]) -> Iterator[RawRecord]:
        data = stream.read(self.max_record_bytes + 1)
        if len(data) > self.max_record_bytes:
            yield RawRecord(1, raw=data[:4096], problem=_too_long(self.size, self))
            return
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as ex:
            problem = RecordError(invalid_utf8(data, ex) or "invalid UTF-8")
            yield RawRecord(1, raw=data[:4096], problem=problem)
            return
        yield RawRecord(1, data={"text": text, "file": self.path.name})

    def _parquet(self) -> Iterator[RawRecord]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        with self.path.open("rb") as raw:
            self._raw = raw
            try:
                pfile = pq.ParquetFile(raw)
            except (pa.ArrowException, OSError) as ex:
                raise RecordError(f"not a readable Parquet file: {ex}") from ex
            index = 0
            try:
                for batch in pfile.iter_batches(batch_size=256):
                    for row in batch.to_pylist():
                        index += 1
                        yield RawRecord(index, data=row)
            except (pa.ArrowException, OSError) as ex:
                msg = f"Parquet file is corrupt after record {index}: {ex}"
                yield RawRecord(index + 1, problem=RecordError(msg))


def _json_tail_note(index: int) -> str:
    return f" ({index} records before it were read)" if index else ""


def _too_long(size: int, source: Source) -> RecordError:
    limit_mb = source.max_record_bytes / 2**20
    return RecordError(
        f"record is {size / 2**20:.1f} MB, over the {limit_mb:g} MB limit "
        "(raise it with --max-record-mb)"
    )


def invalid_utf8(data: bytes, ex: UnicodeDecodeError | None = None) -> str | None:
    """Describe where `data` stops being UTF-8; None when it is valid UTF-8."""
    if ex is None:
        try:
            data.decode("utf-8")
            return None
        except UnicodeDecodeError as found:
            ex = found
    return f"invalid UTF-8 at byte {ex.start} (0x{data[ex.start]:02x})"


def open_source(path: Path, *, max_record_bytes: int, container: Container | None = None) -> Source:
    """Inspect a file's first bytes and decide how its records are laid out.

    Raises:
        RecordError: for a missing, empty, binary or UTF-16 file, or a bad log.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as ex:
        raise RecordError(f"cannot read file: {ex.strerror or ex}") from ex
    if size == 0:
        raise RecordError("empty file: no records")
    suffixes = [s.lower() for s in path.suffixes]
    gzipped = head.startswith(b"\x1f\x8b")
    if gzipped:
        try:
            with gzip.open(path, "rb") as gz:
                head = gz.read(SNIFF_BYTES)
        except (OSError, EOFError) as ex:
            raise RecordError(f"corrupt gzip file: {ex}") from ex
        suffixes = [s for s in suffixes if s != ".gz"]
    suffix = suffixes[-1] if suffixes else ""

    def make(kind: Container) -> Source:
        return Source(path, kind, size, max_record_bytes, gzipped=gzipped)

    if container == "inspect" or suffix == ".eval" or _is_inspect_json(head):
        if suffix == ".eval" and not head.startswith(b"PK"):
            raise RecordError("not an Inspect .eval log (not a zip archive)")
        return make("inspect")
    if head.startswith(b"PAR1") or suffix in (".parquet", ".pq"):
        if not head.startswith(b"PAR1"):
            raise RecordError("not a Parquet file (no PAR1 magic bytes)")
        return make("parquet")
    _check_text(head)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise RecordError("file holds only whitespace: no records")
    if container == "text" or (container is None and suffix in TEXT_SUFFIXES):
        return make("text")
    if suffix in JSONL_SUFFIXES or stripped[:1] not in (b"[", b"{"):
        if container is None and suffix not in JSONL_SUFFIXES + (".json",):
            return make("text")
        return make("jsonl")
    if stripped.startswith(b"["):
        return make("json")
    return make("jsonl" if _first_line_is_json(stripped) else "json")


def _check_text(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecordError("UTF-16 text; convert the file to UTF-8")
    nul = head.find(b"\x00")
    if nul >= 0:
        raise RecordError(
            f"binary file (NUL byte at offset {nul}): not JSON, JSON lines, Parquet, "
            "an Inspect log or text"
        )


def _is_inspect_json(head: bytes) -> bool:
    start = head.lstrip()[:200].replace(b" ", b"").replace(b"\n", b"")
    return start.startswith(b'{"version":') and b'"status":' in start


def _first_line_is_json(stripped: bytes) -> bool:
    line, newline, _ = stripped.partition(b"\n")
    if not newline:
        return False
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, UnicodeDecodeError):
        return False


def estimate_record_bytes(path: Path, limit: int = 64 << 20) -> int | None:
    """Average bytes per JSON line, from the file's head; None when it is not line-based.

    When the first line is longer than the head, it is measured (reading at most `limit`
    bytes, a chunk at a time) and taken as the estimate.
    """
    try:
        with path.open("rb") as raw:
            stream: IO[bytes] = raw
            if raw.read(2) == b"\x1f\x8b":
                stream = gzip.GzipFile(fileobj=raw)  # type: ignore[assignment]
            raw.seek(0)
            head = stream.read(SNIFF_BYTES)
            if head.lstrip()[:1] != b"{":
                return None
            lines = head.count(b"\n")
            if lines:
                return max(1, len(head) // lines)
            size = len(head)
            while size < limit and (chunk := stream.read(1 << 20)):
                newline = chunk.find(b"\n")
                if newline >= 0:
                    return size + newline + 1
                size += len(chunk)
            return size
    except (OSError, EOFError):
        return None
