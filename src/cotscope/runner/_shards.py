"""Parquet shards: the rows of one chunk, written by a Ray worker, merged by the driver.

A shard lives at `<storage>/<model id>/<suite>/<chunk key>.parquet`, where storage is
a folder or an fsspec URL (default `<run dir>/shards`). It is written under a
temporary name and renamed, so a shard that exists is whole; a temporary file is
what a worker killed mid-write leaves, and the next driver removes it. The driver
merges a shard into the store through `Store.insert_samples` (idempotent by
sample_uid) and then deletes it, so a driver killed between the two merges the shard
again on the next run without duplicating a row.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..store import SAMPLE_COLUMNS, SampleRow, arrow_schema
from ..suites import WorkItem

if TYPE_CHECKING:
    import pyarrow as pa

SHARDS_DIRNAME = "shards"
"""Default shard folder inside the run directory."""

_SUFFIX = ".parquet"
_TMP_MARK = ".tmp-"
_JSON_COLUMNS = frozenset(n for n, t in SAMPLE_COLUMNS.items() if t.startswith("JSON"))


def storage_root(storage: str | None, run_dir: Path, default: str = SHARDS_DIRNAME) -> str:
    """The shard root: `storage` (a folder or an fsspec URL), or `<run_dir>/<default>`.

    A folder is made absolute here: workers need not share the driver's working directory.
    """
    if storage and "://" in storage:
        return storage
    return str(Path(storage or run_dir / default).resolve())


def _fs(root: str) -> tuple[Any, str]:
    """The fsspec file system of `root` (local for a plain folder) and its path there."""
    from fsspec.core import url_to_fs  # type: ignore[import-untyped]  # fsspec ships no types

    fs, path = url_to_fs(root)
    return fs, str(path).rstrip("/")


def chunk_key(chunk: Sequence[WorkItem]) -> str:
    """A stable name for a chunk: a hash of its (variant_id, variant_hash, epoch) keys."""
    keys = sorted((w.variant.id, w.variant.hash, w.epoch) for w in chunk)
    return hashlib.sha256(json.dumps(keys).encode()).hexdigest()[:24]


def shard_file(root: str, *folders: str, key: str) -> str:
    """`<root>/<folder>/.../<key>.parquet`, each folder quoted so any id is one path segment."""
    _, base = _fs(root)
    parts = "".join(f"{quote(f, safe='')}/" for f in folders)
    return f"{base}/{parts}{key}{_SUFFIX}"


def shard_path(root: str, model_id: str, suite: str, key: str) -> str:
    """Where the shard of one sweep chunk goes: `<root>/<model id>/<suite>/<key>.parquet`."""
    return shard_file(root, model_id, suite, key=key)


def _to_json(value: Any) -> str | None:
    # As the store encodes JSON columns, so a merged row is byte-for-byte the one
    # the single-process sweep would have inserted.
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False)


def write_shard(root: str, path: str, rows: Sequence[SampleRow]) -> None:
    """Write rows as one Parquet file at `path` under `root`: a temporary name, then a rename."""
    import pyarrow as pa

    names = list(SAMPLE_COLUMNS)
    dumped = [row.model_dump() for row in rows]
    table = pa.table(
        {n: [_to_json(d[n]) if n in _JSON_COLUMNS else d[n] for d in dumped] for n in names},
        schema=arrow_schema(names),
    )
    write_table(root, path, table)


def write_table(root: str, path: str, table: pa.Table) -> None:
    """Write an Arrow table as Parquet at `path` under `root`: a temporary name, then a rename."""
    import pyarrow.parquet as pq

    fs, _ = _fs(root)
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    tmp = f"{path}{_TMP_MARK}{uuid.uuid4().hex}"
    with fs.open(tmp, "wb") as f:
        pq.write_table(table, f)
    fs.mv(tmp, path)


def read_records(root: str, path: str, json_columns: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The records of one Parquet shard, as column-name dicts, JSON columns parsed."""
    import pyarrow.parquet as pq

    fs, _ = _fs(root)
    with fs.open(path, "rb") as f:
        records: list[dict[str, Any]] = pq.read_table(f).to_pylist()
    for r in records:
        for n in json_columns:
            if r.get(n) is not None:
                r[n] = json.loads(r[n])
    return records


def read_shard(root: str, path: str) -> list[SampleRow]:
    """The rows of one shard."""
    return [SampleRow.model_validate(r) for r in read_records(root, path, _JSON_COLUMNS)]


def shard_exists(root: str, path: str) -> bool:
    """Whether a whole shard is at `path`."""
    fs, _ = _fs(root)
    return bool(fs.exists(path))


def list_shards(root: str) -> list[str]:
    """Every whole shard under `root`, sorted; removes the temporary files of dead writers.

    Call only while holding the run's writer lock, when no worker of this run writes.
    """
    fs, base = _fs(root)
    if not fs.exists(base):
        return []
    found = sorted(str(p) for p in fs.find(base))
    for p in found:
        if _TMP_MARK in p.rsplit("/", 1)[-1]:
            fs.rm(p)
    return [p for p in found if p.endswith(_SUFFIX) and _TMP_MARK not in p.rsplit("/", 1)[-1]]


def remove_shard(root: str, path: str) -> None:
    """Delete a merged shard."""
    fs, _ = _fs(root)
    fs.rm(path)
