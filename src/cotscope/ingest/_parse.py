"""One raw record to a validated `TranscriptRecord`, or a `RecordError` naming the field.

JSON lines in cotscope's own format take fast paths: a flat record is decoded by msgspec
(`_flat.py`), any other by pydantic, each parsing and validating the bytes in one step.
Anything those paths cannot settle (other formats, `--map`, messages in
a provider's style, exported sample rows) goes through `json.loads` and `adapt`, which
is the reference behaviour; the fast paths only ever accept what it would accept too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ._adapt import SAMPLE_ONLY, FieldMap, Format, adapt, detect_record_format, suggest_mapping
from ._errors import RecordError
from ._flat import FlatRecord, decode_flat
from ._schema import TranscriptRecord
from ._sources import RawRecord, invalid_utf8

_VALIDATE_JSON = TranscriptRecord.__pydantic_validator__.validate_json
_JSON_POS = re.compile(r" at line \d+ column (\d+)")


@dataclass
class RecordParser:
    """Parses the records of one file; detects the file's format from its first record."""

    fmap: FieldMap
    fmt: Format | None = None
    keep_extra: bool = True

    def parse(self, raw: RawRecord) -> TranscriptRecord | FlatRecord:
        """Validate one record.

        Raises:
            RecordError: with the field at fault when there is one.
        """
        if raw.problem is not None:
            raise raw.problem
        if raw.raw is not None:
            if self.fmt == "cotscope" and not self.fmap:
                fast = self._fast(raw.raw)
                if fast is not None:
                    return fast
            data = _loads(raw.raw)
        else:
            data = raw.data
        if self.fmt is None:
            self.fmt = detect_record_format(data, self.fmap)
        adapted = adapt(data, self.fmt, self.fmap, self.keep_extra)
        try:
            rec = TranscriptRecord.model_validate(adapted)
        except ValidationError as ex:
            raise _validation_error(ex, self.fmap) from None
        _require_content(rec, data)
        return rec

    def flat(self, line: bytes) -> FlatRecord | None:
        """A flat cotscope record with content, decoded by msgspec; else None (use `parse`)."""
        if self.fmt != "cotscope" or self.fmap:
            return None
        rec = decode_flat(line)
        if rec is None or (rec.prompt is None and rec.answer is None and rec.reasoning is None):
            return None
        return rec

    def _fast(self, line: bytes) -> TranscriptRecord | FlatRecord | None:
        flat = decode_flat(line)
        if flat is not None:
            _require_content(flat, None)
            return flat
        try:
            rec: TranscriptRecord = _VALIDATE_JSON(line)
        except ValidationError:
            return None  # let the reference path decide and phrase the error
        extra = rec.model_extra
        if extra and (not self.keep_extra or not SAMPLE_ONLY.isdisjoint(extra)):
            return None
        _require_content(rec, None)
        return rec


def _loads(line: bytes) -> Any:
    try:
        return json.loads(line)
    except UnicodeDecodeError:
        raise RecordError(invalid_utf8(line) or "invalid UTF-8") from None
    except json.JSONDecodeError as ex:
        detail = f"{ex.msg} at line {ex.lineno} column {ex.colno}"
        raise RecordError(_json_message(line, detail)) from None


def _json_message(line: bytes, detail: str) -> str:
    bad = invalid_utf8(line)
    if bad:
        return bad
    detail = detail.removeprefix("Invalid JSON: ")
    found = _JSON_POS.search(detail)
    column = int(found.group(1)) if found else None
    where = f" (column {column})" if column else ""
    detail = _JSON_POS.sub("", detail)
    ends_early = column is not None and column > len(line.rstrip())
    if "EOF" in detail or "Unterminated string" in detail or ends_early:
        return f"truncated JSON: the line ends inside a value{where}"
    return f"invalid JSON: {detail}{where}"


_UNION_TAGS = frozenset({"str", "int", "bool", "float", "none"})


def _loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A location without pydantic's union-member tags (`outcome.str` -> `outcome`)."""
    return tuple(p for p in loc if not (isinstance(p, str) and (p in _UNION_TAGS or "[" in p)))


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validation_error(ex: ValidationError, fmap: FieldMap) -> RecordError:
    errors = ex.errors()
    err = errors[0]
    loc = _loc(tuple(err["loc"]))
    same = [e for e in errors if _loc(tuple(e["loc"])) == loc]
    field = _field(loc) or None
    if loc:
        head = str(loc[0])
        target = ".".join(str(p) for p in loc[:2]) if head in ("labels", "metadata") else head
        source = fmap.source_of(target)
        if source and field:
            field = f"{field} (from {source})"
    value = repr(err.get("input"))
    value = value if len(value) <= 80 else value[:77] + "..."
    msgs = list(dict.fromkeys(str(e["msg"]) for e in same))
    msg = " or ".join([msgs[0], *(m.removeprefix("Input should be ") for m in msgs[1:])])
    more = len(errors) - len(same)
    return RecordError(f"{msg}, got {value}" + (f" (and {more} more)" if more else ""), field)


def _require_content(rec: TranscriptRecord | FlatRecord, data: Any) -> None:
    if rec.prompt is not None or rec.answer is not None or rec.reasoning is not None:
        return
    if rec.messages:
        return
    raise RecordError(
        "no transcript: the record needs messages, or a prompt, reasoning or answer"
        + suggest_mapping(data),
        "messages",
    )
