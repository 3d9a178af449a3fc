"""Errors of ingest: every message names the file, the line (or record index) and the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Problem:
    """What is wrong with one record (or with a whole file)."""

    source: str
    """The input file."""

    line: int | None
    """1-based line of a JSONL record, record index of other formats; None for the file."""

    field: str | None
    """The schema field (or input path) at fault, when one is."""

    message: str
    """What is wrong, in a sentence."""

    unit: str = "line"
    """`line` for line-based input, `record` for JSON arrays, Parquet and logs."""

    raw: bytes | str | None = None
    """The offending record's raw text, kept for the rejects file."""

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.unit} {self.line}"
        field = f": field {self.field}" if self.field else ""
        return f"{where}{field}: {self.message}"

    def to_reject(self, max_chars: int = 1_000_000) -> dict[str, Any]:
        """The line written to the rejects file for this problem."""
        out: dict[str, Any] = {
            "source": self.source,
            self.unit: self.line,
            "field": self.field,
            "error": self.message,
        }
        if self.raw is not None:
            text = self.raw.decode("utf-8", "replace") if isinstance(self.raw, bytes) else self.raw
            out["record"] = text[:max_chars]
            if len(text) > max_chars:
                out["record_truncated_from_chars"] = len(text)
        return out


class RecordError(ValueError):
    """A record cannot be ingested; carries the field and message, not yet the location."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IngestAborted(RuntimeError):
    """`--on-error fail` met a problem; nothing was written."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class IngestUsageError(ValueError):
    """The ingest options are inconsistent (bad `--map`, unknown format, missing files)."""
