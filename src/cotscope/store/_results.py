"""Stored results: every measure's output for a run, with what it was computed from.

A result row holds the measure's name and version, the hash of its inputs (the
rows it read, its options and data files), when it ran and how long it took, and
its payload as JSON. `cotscope analyse` recomputes a measure only when that hash
changed; `stats --json`, `export` and the report read the rows.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
from pydantic import BaseModel, TypeAdapter

if TYPE_CHECKING:
    from ._store import Store

T = TypeVar("T")

RESULT_COLUMNS: dict[str, str] = {
    "run": "VARCHAR NOT NULL",
    "measure": "VARCHAR NOT NULL",
    "version": "INTEGER NOT NULL",
    "inputs_hash": "VARCHAR NOT NULL",
    "created_at": "TIMESTAMP NOT NULL",
    "seconds": "DOUBLE",
    "payload": "JSON",
}
"""The `results` table: one row per (run, measure), replaced when recomputed."""

# What identifies a table's rows for a run: a change to any of these columns in any row
# changes the table's fingerprint. Order-free (an xor of row hashes) and computed in SQL.
_FINGERPRINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "samples": ("sample_uid", "outcome", "attempts"),
    "outcomes": ("suite", "name", "label", "definition", "of_interest", "failure"),
    "grades": ("grade_uid", "outcome", "label", "scores"),
    "interventions": ("row_id", "outcome"),
}


class StoredResult(BaseModel):
    """One measure's stored result."""

    measure: str
    """The measure's name, e.g. `rates` or `suite:ambiguity_ladder`."""

    version: int
    """The measure's version when it ran; a new version recomputes."""

    inputs_hash: str
    """SHA-256 over the measure's version, options, data files and input rows."""

    created_at: datetime
    """When it ran."""

    seconds: float | None
    """How long it took."""

    applies: bool = True
    """False when the measure does not apply to the run (no grades, no reasoning, ...)."""

    payload: Any = None
    """The result as JSON (the measure's typed result, dumped); None when it does not
    apply, or when it was not read."""


_PAIRS = "__pairs__"


def encode_result(result: Any) -> Any:
    """A measure's typed result (pydantic model, dataclass, list, dict) as JSON-able data.

    Dicts keyed by tuples (cells keyed by checkpoint and level, say) are kept as
    `{"__pairs__": [[key, value], ...]}`, which `decode_result` turns back.
    """
    if isinstance(result, BaseModel):
        data = result.model_dump(mode="python")
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        data = TypeAdapter(type(result)).dump_python(result, mode="python")
    else:
        data = result
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        return encode_result(value)
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _jsonable(v) for k, v in value.items()}
        return {_PAIRS: [[_jsonable(k), _jsonable(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def _restored(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_PAIRS}:
            return {_key(k): _restored(v) for k, v in value[_PAIRS]}
        return {k: _restored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restored(v) for v in value]
    return value


def _key(key: Any) -> Any:
    return tuple(_key(k) for k in key) if isinstance(key, list) else key


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that hold no cycles.

    Decoding a stored result, or streaming an ingest's rows, makes hundreds of thousands
    of lists, dicts and tuples; each few hundred trigger a collection that walks every
    live object (more than half of decoding a million-rollout run's rates). Cycles made
    meanwhile are collected once the collector is back.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parsed(raw: Any) -> Any:
    # Tuple-keyed dicts are turned back here, once, and only where the text has one:
    # walking a million-rollout run's rates for none took seconds.
    if not isinstance(raw, str):
        return raw
    import msgspec  # parses in C: ~0.26 s instead of 0.43 s on a million-rollout run's rates

    with paused_gc():
        data = msgspec.json.decode(raw)
        return _restored(data) if f'"{_PAIRS}"' in raw else data


def decode_result(kind: type[T], payload: Any) -> T:
    """A stored payload (as `read_results` parsed it) as the measure's type again."""
    return TypeAdapter(kind).validate_python(payload)


def has_table(store: Store, table: str) -> bool:
    """Whether the store holds a table of that name."""
    return bool(
        store.query(
            "SELECT 1 FROM information_schema.tables WHERE table_name = ? "
            "AND table_catalog = current_database()",
            [table],
        )
    )


def table_fingerprint(store: Store, table: str, run: str) -> str:
    """A short hash of a table's rows for a run; `absent` when the table does not exist.

    Rows are identified by the columns in `_FINGERPRINT_COLUMNS` (all of a row's
    identity and result): adding, removing or changing one changes the fingerprint.
    """
    if not has_table(store, table):
        return "absent"
    columns = ", ".join(_FINGERPRINT_COLUMNS[table])
    # Grades are keyed by sample; their own `run` column may be unset on old stores.
    where = (
        "sample_uid IN (SELECT sample_uid FROM samples WHERE run = ?)"
        if table == "grades"
        else "run = ?"
    )
    row = store.con.execute(
        f"SELECT count(*), coalesce(bit_xor(hash({columns})), 0) FROM {table} WHERE {where}",
        [run],
    ).fetchone()
    assert row is not None
    return f"{int(row[0])}:{int(row[1]):x}"


def inputs_hash(parts: dict[str, Any]) -> str:
    """SHA-256 of a measure's inputs, given as JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def write_result(
    store: Store,
    run: str,
    measure: str,
    version: int,
    inputs: str,
    payload: Any,
    seconds: float | None,
) -> None:
    """Store a measure's result for a run, replacing the previous one atomically."""
    con = store.con
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM results WHERE run = ? AND measure = ?", [run, measure])
        con.execute(
            "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run, measure, version, inputs, datetime.now(), seconds,
             None if payload is None else json.dumps(payload, default=str)],
        )  # fmt: skip
        con.execute("COMMIT")
    except duckdb.Error as ex:
        _rollback(con)
        err = store.user_error(ex, f"store the {measure} result")
        if err is None:
            raise
        raise err from None
    except BaseException:
        _rollback(con)
        raise


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction


def delete_result(store: Store, run: str, measure: str) -> None:
    """Remove a measure's stored result (it failed, or no longer applies)."""
    if has_table(store, "results"):
        store.con.execute("DELETE FROM results WHERE run = ? AND measure = ?", [run, measure])


def read_results(
    store: Store, run: str, measures: Sequence[str] | None = None, payload: bool = True
) -> dict[str, StoredResult]:
    """Stored results of a run, by measure name (empty before any analysis).

    Args:
        store: An open store.
        run: Run name.
        measures: Only these measures; None for all.
        payload: Read and parse the payloads; False reads only what identifies each
            result (a staleness check on a million-rollout run skips a large parse).
    """
    if not has_table(store, "results") or (measures is not None and not measures):
        return {}
    columns = (
        "run, measure, version, inputs_hash, created_at, seconds, payload IS NOT NULL AS applies"
    )
    columns += ", payload" if payload else ""
    where = "run = ?"
    params: list[Any] = [run]
    if measures is not None:
        where += " AND list_contains(?, measure)"
        params.append(list(measures))
    out = {}
    for r in store.query(f"SELECT {columns} FROM results WHERE {where} ORDER BY measure", params):
        raw = r.get("payload")
        out[str(r["measure"])] = StoredResult(
            measure=r["measure"], version=int(r["version"]), inputs_hash=r["inputs_hash"],
            created_at=r["created_at"], seconds=r["seconds"], applies=bool(r["applies"]),
            payload=_parsed(raw),
        )  # fmt: skip
    return out
