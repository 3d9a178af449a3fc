"""Rows into the store: one transaction for the whole ingest.

Everything an ingest writes (samples, their variants, the run's provenance row) is
committed at once, so a failed or killed ingest leaves the store as it was: DuckDB
never applies an uncommitted transaction. The store streams the rows in
(`cotscope.store.SampleStream`); this module sizes the ingest's row groups and
memory, reads what the store already holds, and turns row tuples into Arrow batches.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cotscope.store import (
    SampleFilter,
    SampleStream,
    Store,
    arrow_schema,
    declare_ingested,
    ingested_content,
    model_orders,
    next_epochs,
    run_record,
)

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
    if not store.count(SampleFilter(run=run)):
        return known
    for chunk in ingested_content(store, run):
        for uid, content in chunk:
            if content:
                known.content[bytes.fromhex(uid)] = int(content[:16], 16)
    for v in next_epochs(store, run):  # the key `RowBuilder` looks up
        key = hash((v.run_id, v.model_id, v.suite, v.variant_id, v.variant_hash))
        known.next_epoch[key] = v.next_epoch
    for model_id, order in model_orders(store, run):
        known.model_order[model_id] = len(known.model_order) if order is None else order
    return known


class Writer:
    """Buffers row tuples into Arrow batches for the store's `SampleStream`.

    The stream inserts every batch of the ingest with one statement inside one open
    transaction (see `cotscope.store.SampleStream`); this side turns the parser's row
    tuples into batches and, at the end, adds the variants, the run's provenance row
    and the outcome declarations to the same transaction.

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
        self.batch_rows = batch_rows
        self.batch_bytes = batch_bytes
        self.written = 0
        self._rows: list[tuple[Any, ...]] = []
        self._bytes = 0
        self._schema = arrow_schema(ROW_COLUMNS)
        self._memory = _arrow_memory_pool()
        self._stream = SampleStream(store, queue_batches)

    def begin(self, fixed: dict[str, Any], memory_limit: int = MIN_MEMORY) -> None:
        """Open the transaction and start the insert that every batch streams into.

        Args:
            fixed: the value of each column that is the same in every row (the columns
                missing from the row tuples), sent once with the statement.
            memory_limit: DuckDB's memory limit for the ingest.
        """
        self._stream.begin(self._schema, fixed, memory_limit)

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
        self._stream.put(pa.RecordBatch.from_arrays(arrays, schema=self._schema))

    def drain(self) -> None:
        """Flush, end the stream and wait for the insert; re-raises its error."""
        self.flush()
        self._stream.finish()

    def commit(
        self, run: str, created_at: datetime, spec: dict[str, Any], env: dict[str, Any]
    ) -> None:
        """Write the variants and run rows, then commit everything at once."""
        self.drain()
        self._stream.add_variants(run, created_at)
        _record_run(self.store, run, spec, env)
        declare_ingested(self.store, run, self._stream.suites(run, created_at))
        self._stream.commit()

    def rollback(self) -> None:
        """Abandon everything written since `begin`; safe to call more than once."""
        self._stream.rollback()


def _record_run(store: Store, run: str, spec: dict[str, Any], env: dict[str, Any]) -> None:
    """Append this ingest to the run's provenance row; a sweep's own row is left alone."""
    import hashlib
    import json

    record = run_record(store, run)
    previous: dict[str, Any] = record.spec if record and isinstance(record.spec, dict) else {}
    if record and previous.get("kind") != "ingest":
        return
    history = list(previous.get("ingests", []))
    history.append(spec)
    full = {"kind": "ingest", "name": run, "ingests": history}
    digest = hashlib.sha256(json.dumps(full, sort_keys=True, default=str).encode()).hexdigest()
    store.record_run(run, full, digest, env)
