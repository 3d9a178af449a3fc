"""The stored `rates` result: `RunStats` with its long lists of flat rows as columns.

A million-rollout log of 30,000 checkpoints has 60,000 rate rows and 60,000
first-rise tests. Stored as one JSON object per row, the payload was 50 MB and
reading it back (fetch, parse, validate every row) cost each `stats` and `report`
~0.8 s. As `{"columns": [...], "rows": [[...], ...]}` the names are written once,
and the rows are rebuilt without validation: they were written by `stats_payload`
from the same dataclasses, and a payload whose columns differ from today's fields is
refused (`StalePayload`), so the caller recomputes.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import TypeAdapter

from cotscope.stats import ModelInfo, RateRow, RiseTestRow, RunStats
from cotscope.store import encode_result, paused_gc

T = TypeVar("T")


class StalePayload(ValueError):
    """The stored payload was written with other columns (another version of the rows)."""


def stats_payload(stats: RunStats) -> dict[str, Any]:
    """`stats` as JSON-able data, its models, rates and rise tests stored as tables."""
    rest = dataclasses.replace(
        stats,
        models=[],
        rates=[],
        rises=[dataclasses.replace(r, tests=()) for r in stats.rises],
    )
    payload: dict[str, Any] = encode_result(rest)
    payload["models"] = _table(ModelInfo, stats.models)
    payload["rates"] = _table(RateRow, stats.rates)
    for row, rise in zip(payload["rises"], stats.rises, strict=True):
        row["tests"] = _table(RiseTestRow, rise.tests)
    return payload


def stats_from_payload(payload: dict[str, Any]) -> RunStats:
    """The `RunStats` that `stats_payload` stored.

    Raises:
        StalePayload: A table's columns are not today's fields.
        pydantic.ValidationError: The rest does not fit today's `RunStats`.
    """
    with paused_gc():
        try:
            models = _rows(ModelInfo, payload["models"])
            rates = _rows(RateRow, payload["rates"])
            tests = [_rows(RiseTestRow, r["tests"]) for r in payload["rises"]]
        except (KeyError, TypeError) as ex:
            raise StalePayload(f"not a tabled rates payload ({ex})") from None
        rest = {
            **payload,
            "models": [],
            "rates": [],
            "rises": [{**r, "tests": []} for r in payload["rises"]],
        }
        stats = TypeAdapter(RunStats).validate_python(rest)
        stats.models = models
        stats.rates = rates
        stats.rises = [
            dataclasses.replace(r, tests=tuple(t)) for r, t in zip(stats.rises, tests, strict=True)
        ]
        return stats


def _columns(kind: type[Any]) -> list[str]:
    return [f.name for f in dataclasses.fields(kind)]


def _table(kind: type[Any], rows: Any) -> dict[str, Any]:
    columns = _columns(kind)
    values = attrgetter(*columns)
    return {"columns": columns, "rows": [list(values(r)) for r in rows]}


def _rows(kind: type[T], table: dict[str, Any]) -> list[T]:
    columns = table["columns"]
    if columns != _columns(kind):
        raise StalePayload(f"{kind.__name__} columns changed")
    # The fields set directly: a frozen dataclass's __init__ sets each one through
    # object.__setattr__, twice as slow on 60,000 rows. The rows have no __post_init__.
    new = object.__new__
    out = []
    for values in table["rows"]:
        row = new(kind)
        row.__dict__.update(zip(columns, values, strict=True))
        out.append(row)
    return out
