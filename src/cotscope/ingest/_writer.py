"""Rows into the store: one transaction for the whole ingest.

Everything an ingest writes (samples, their variants, the run's provenance row) is
committed at once, so a failed or killed ingest leaves the store as it was: DuckDB
never applies an uncommitted transaction.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from cotscope.store import Store, arrow_schema, declare_ingested

from ._rows import ROW_COLUMNS, Known

if TYPE_CHECKING:
    import pyarrow as pa

ROW_GROUP_BYTES = 48 << 20
"""Target size of one row group: DuckDB holds an unfinished one of a transaction in memory."""
MIN_MEMORY = 512 << 20
_MAX_ROWS, _VECTOR = 122_880, 2048


def storage_plan(record_bytes: int | None, total_bytes: int) -> tuple[int, int]:
    """Rows per row group and DuckDB memory limit for an ingest.

    Rows per group shrink with record size, so an unfinished group stays small; the
    memory limit leaves room for one group even when records are huge.
    """
    per_record = record_bytes or 64 << 10  # unknown (JSON arrays, logs): assume large
    rows = min(_MAX_ROWS, max(_VECTOR, ROW_GROUP_BYTES // per_record // _VECTOR * _VECTOR))
    group = min(rows * per_record, total_bytes)
    total_ram = _total_memory()
    limit = max(MIN_MEMORY, group * 3 // 2)
    return rows, min(limit, int(total_ram * 0.8)) if total_ram else limit


def _total_memory() -> int | None:
    try:
        import os

        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


_STREAM = "_cotscope_ingest_stream"


def _arrow_memory_pool() -> pa.MemoryPool | None:
    """The memory pool for the batches: jemalloc where pyarrow has it, else the default.

    Converting 512 rows of kilobyte strings ran 15-20% faster with jemalloc than with
    pyarrow's default mimalloc, which kept handing back freshly faulted pages.
    """
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return None


def load_known(store: Store, run: str) -> Known:
    """What the store already holds for `run`: content hashes, epochs, model order."""
    known = Known()
    if not store.count("run = ?", [run]):
        return known
    cur = store.con.execute(
        "SELECT sample_uid, json_extract_string(metadata, '$._ingest.content_hash') "
        "FROM samples WHERE run = ? AND source <> 'sweep'",
        [run],
    )
    while chunk := cur.fetchmany(50_000):
        for uid, content in chunk:
            if content:
                known.content[bytes.fromhex(uid)] = int(content[:16], 16)
    for run_id, model_id, suite, vid, vhash, nxt in store.con.execute(
        "SELECT coalesce(run_id, ''), model_id, suite, variant_id, variant_hash, max(epoch) + 1"
        " FROM samples WHERE run = ? GROUP BY ALL",
        [run],
    ).fetchall():
        known.next_epoch[hash((run_id, model_id, suite, vid, vhash))] = int(nxt)
    for model_id, order in store.con.execute(
        "SELECT model_id, min(model_order) FROM samples WHERE run = ? GROUP BY model_id "
        "ORDER BY 2, 1",
        [run],
    ).fetchall():
        known.model_order[str(model_id)] = len(known.model_order) if order is None else int(order)
    return known


class Writer:
    """Buffers row tuples and streams them into `samples` inside one open transaction.

    A single `INSERT ... SELECT` reads an Arrow stream on a background thread while the
    main thread parses on and feeds it batches through a bounded queue. One statement
    for the whole ingest lets DuckDB write full row groups as they fill, so memory stays
    bounded however large the input is (many small inserts would pile up in memory).

    Batches are DuckDB's vector size (2,048 rows; smaller ones cost DuckDB more per
    row), and 16 may wait (32,768 rows, at most 8 MB each): DuckDB stops taking rows
    while it compresses a full row group, and a shorter queue then stalls the parser,
    which on an idle machine cost a fifth of the wall time.
    """

    def __init__(
        self,
        store: Store,
        batch_rows: int = 2048,
        batch_bytes: int = 8 << 20,
        queue_batches: int = 16,
    ) -> None:
        self.store = store
        self.con = store.con
        self.batch_rows = batch_rows
        self.batch_bytes = batch_bytes
        self.written = 0
        self._rows: list[tuple[Any, ...]] = []
        self._bytes = 0
        self._schema = arrow_schema(ROW_COLUMNS)
        self._memory = _arrow_memory_pool()
        self._queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=queue_batches)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cotscope-ingest")
        self._loader: Future[None] | None = None
        self._open = False
        self._threads = 1

    def begin(self, fixed: dict[str, Any], memory_limit: int = MIN_MEMORY) -> None:
        """Open the transaction and start the insert that every batch streams into.

        Args:
            fixed: the value of each column that is the same in every row (the columns
                missing from the row tuples), sent once with the statement.
            memory_limit: DuckDB's memory limit for the ingest.
        """
        row = self.con.execute("SELECT current_setting('threads')").fetchone()
        self._threads = int(row[0]) if row else 1
        for setting in (
            f"memory_limit = '{memory_limit // 2**20}MB'",
            "threads = 1",  # the other core parses
            "preserve_insertion_order = false",
            "enable_progress_bar = false",
        ):
            self.con.execute(f"SET {setting}")
        self.con.execute("BEGIN TRANSACTION")
        self._open = True
        self._loader = self._pool.submit(self._load, fixed)

    def _batches(self) -> Iterator[pa.RecordBatch]:
        while (batch := self._queue.get()) is not None:
            yield batch

    def _load(self, fixed: dict[str, Any]) -> None:
        import pyarrow as pa

        stream = pa.RecordBatchReader.from_batches(self._schema, self._batches())
        names = ", ".join((*ROW_COLUMNS, *fixed))
        values = ", ".join((*ROW_COLUMNS, *("?" for _ in fixed)))
        self.con.register(_STREAM, stream)
        try:
            self.con.execute(
                f"INSERT INTO samples ({names}) SELECT {values} FROM {_STREAM}",
                list(fixed.values()),
            )
        finally:
            self.con.unregister(_STREAM)

    def add(self, row: tuple[Any, ...], size: int) -> None:
        """Queue one row; `size` (its approximate bytes) bounds the buffered batch."""
        self._rows.append(row)
        self._bytes += size
        if len(self._rows) >= self.batch_rows or self._bytes >= self.batch_bytes:
            self.flush()

    def flush(self) -> None:
        """Hand the buffered rows to the insert (waits while the queue is full)."""
        if not self._rows:
            return
        import pyarrow as pa

        columns = list(zip(*self._rows, strict=True))
        memory, n = self._memory, len(self._rows)
        arrays = []
        for col, f in zip(columns, self._schema, strict=True):
            first = col[0]
            if col.count(first) < n:
                arrays.append(pa.array(col, type=f.type, memory_pool=memory))
            elif first is None:  # one value in the whole batch (the model, suite, ...): 4x faster
                arrays.append(pa.nulls(n, f.type, memory_pool=memory))
            else:
                arrays.append(pa.repeat(pa.scalar(first, f.type), n, memory_pool=memory))
        self.written += n
        self._rows = []
        self._bytes = 0
        self._put(pa.RecordBatch.from_arrays(arrays, schema=self._schema))

    def _put(self, item: pa.RecordBatch | None) -> None:
        assert self._loader is not None, "begin() first"
        while True:
            if self._loader.done():
                self._loader.result()  # re-raises the insert's error
                raise RuntimeError("the ingest insert stopped early")
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def drain(self) -> None:
        """Flush, end the stream and wait for the insert; re-raises its error."""
        self.flush()
        if self._loader is not None and not self._loader.done():
            self._put(None)
        if self._loader is not None:
            self._loader.result()

    def commit(
        self, run: str, created_at: datetime, spec: dict[str, Any], env: dict[str, Any]
    ) -> None:
        """Write the variants and run rows, then commit everything at once."""
        self.drain()
        self.con.execute(f"SET threads = {self._threads}")  # parsing is over: use every core
        self.con.execute(
            "INSERT INTO variants (suite, variant_id, variant_hash, family, text, source_file) "
            "SELECT suite, variant_id, variant_hash, any_value(variant_family), "
            "any_value(prompt), any_value(source) FROM samples "
            "WHERE run = ? AND created_at = ? GROUP BY suite, variant_id, variant_hash "
            "ON CONFLICT DO NOTHING",
            [run, created_at],
        )
        _record_run(self.store, run, spec, env)
        suites = self.con.execute(
            "SELECT DISTINCT suite FROM samples WHERE run = ? AND created_at = ? ORDER BY 1",
            [run, created_at],
        ).fetchall()
        declare_ingested(self.store, run, [str(s) for (s,) in suites])
        self.con.execute("COMMIT")
        self._open = False
        self._pool.shutdown()

    def rollback(self) -> None:
        """Abandon everything written since `begin`; safe to call more than once."""
        if self._loader is not None and not self._loader.done():
            while True:  # make room for the end-of-stream marker
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._queue.put(None)
        if self._loader is not None:
            self._loader.exception()  # wait; its error matters less than the one unwinding
        self._pool.shutdown(wait=True)
        if self._open:
            self._open = False
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # DuckDB already ended a transaction whose statement failed


def _record_run(store: Store, run: str, spec: dict[str, Any], env: dict[str, Any]) -> None:
    """Append this ingest to the run's provenance row; a sweep's own row is left alone."""
    import hashlib
    import json

    row = store.con.execute("SELECT spec FROM runs WHERE run = ?", [run]).fetchone()
    previous: dict[str, Any] = json.loads(row[0]) if row and row[0] else {}
    if row and previous.get("kind") != "ingest":
        return
    history = list(previous.get("ingests", []))
    history.append(spec)
    full = {"kind": "ingest", "name": run, "ingests": history}
    digest = hashlib.sha256(json.dumps(full, sort_keys=True, default=str).encode()).hexdigest()
    store.record_run(run, full, digest, env)
