"""Bulk writes of samples: one transaction that streams Arrow batches into `samples`.

`Store.insert_samples` writes a batch that fits in memory; an ingest of a large log
instead streams: a single `INSERT ... SELECT` reads an Arrow stream on a background
thread while the caller produces batches and hands them over through a bounded queue.
One statement for the whole stream lets DuckDB write full row groups as they fill, so
memory stays bounded however large the input is (many small inserts would pile up in
memory). Everything the stream writes, and whatever the caller adds before `commit`
(variants, the run row, outcome declarations), is committed at once, so a failed or
killed writer leaves the store as it was: DuckDB never applies an uncommitted
transaction.

Before it streams, a writer that adds to a run reads what the run already holds
(`ingested_content`, `next_epochs`, `model_orders`), so that a repeated record is
skipped and new epochs and models continue the stored ones.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

    from ._store import Store

_STREAM = "_cotscope_ingest_stream"


class SampleStream:
    """Streams Arrow batches of sample rows into `samples` inside one open transaction.

    Use: `begin`, then `put` each batch, `finish`, any further writes of the same
    transaction (`add_variants`, ...), then `commit`; `rollback` on any failure.
    """

    def __init__(self, store: Store, queue_batches: int = 16) -> None:
        """Prepare a stream into `store` (nothing is written before `begin`).

        Args:
            store: The writable store.
            queue_batches: Batches that may wait for DuckDB. It stops taking rows while
                it compresses a full row group, and a short queue then stalls the
                producer.
        """
        self._con = store.con
        self._queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=queue_batches)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cotscope-ingest")
        self._loader: Future[None] | None = None
        self._open = False
        self._threads = 1

    def begin(self, schema: pa.Schema, fixed: dict[str, Any], memory_limit: int) -> None:
        """Open the transaction and start the insert that every batch streams into.

        Args:
            schema: The batches' schema; its field names are `samples` columns.
            fixed: the value of each column that is the same in every row (the columns
                missing from the batches), sent once with the statement.
            memory_limit: DuckDB's memory limit, in bytes, while the stream is open.
        """
        row = self._con.execute("SELECT current_setting('threads')").fetchone()
        self._threads = int(row[0]) if row else 1
        for setting in (
            f"memory_limit = '{memory_limit // 2**20}MB'",
            "threads = 1",  # the other core produces the batches
            "preserve_insertion_order = false",
            "enable_progress_bar = false",
        ):
            self._con.execute(f"SET {setting}")
        self._con.execute("BEGIN TRANSACTION")
        self._open = True
        self._loader = self._pool.submit(self._load, schema, fixed)

    def _batches(self) -> Iterator[pa.RecordBatch]:
        while (batch := self._queue.get()) is not None:
            yield batch

    def _load(self, schema: pa.Schema, fixed: dict[str, Any]) -> None:
        import pyarrow as pa

        stream = pa.RecordBatchReader.from_batches(schema, self._batches())
        names = ", ".join((*schema.names, *fixed))
        values = ", ".join((*schema.names, *("?" for _ in fixed)))
        self._con.register(_STREAM, stream)
        try:
            self._con.execute(
                f"INSERT INTO samples ({names}) SELECT {values} FROM {_STREAM}",
                list(fixed.values()),
            )
        finally:
            self._con.unregister(_STREAM)

    def put(self, batch: pa.RecordBatch | None) -> None:
        """Hand a batch to the insert (None ends the stream); waits while the queue is full.

        Raises:
            duckdb.Error: the insert failed (re-raised from its thread).
            RuntimeError: the insert ended before the stream did.
        """
        assert self._loader is not None, "begin() first"
        while True:
            if self._loader.done():
                self._loader.result()  # re-raises the insert's error
                raise RuntimeError("the ingest insert stopped early")
            try:
                self._queue.put(batch, timeout=0.2)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        """End the stream and wait for the insert; re-raises its error. Safe to repeat.

        The producer is done by now, so DuckDB gets every core back for the rest of the
        transaction.
        """
        if self._loader is not None and not self._loader.done():
            self.put(None)
        if self._loader is not None:
            self._loader.result()
            self._con.execute(f"SET threads = {self._threads}")

    def add_variants(self, run: str, created_at: datetime) -> None:
        """Record the variants of the rows this stream wrote, inside its transaction.

        The rows are those of `run` created at `created_at` (values of `fixed`); a
        variant already stored is left as it is. Call after `finish`.
        """
        self._con.execute(
            "INSERT INTO variants (suite, variant_id, variant_hash, family, text, source_file) "
            "SELECT suite, variant_id, variant_hash, any_value(variant_family), "
            "any_value(prompt), any_value(source) FROM samples "
            "WHERE run = ? AND created_at = ? GROUP BY suite, variant_id, variant_hash "
            "ON CONFLICT DO NOTHING",
            [run, created_at],
        )

    def suites(self, run: str, created_at: datetime) -> list[str]:
        """The suites of the rows this stream wrote (`run`, created at `created_at`)."""
        rows = self._con.execute(
            "SELECT DISTINCT suite FROM samples WHERE run = ? AND created_at = ? ORDER BY 1",
            [run, created_at],
        ).fetchall()
        return [str(s) for (s,) in rows]

    def commit(self) -> None:
        """Commit everything written since `begin`."""
        self._con.execute("COMMIT")
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
                self._con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # DuckDB already ended a transaction whose statement failed


def ingested_content(
    store: Store, run: str, batch: int = 50_000
) -> Iterator[list[tuple[str, str | None]]]:
    """(sample_uid, content hash) of each ingested sample of `run`, in batches of rows.

    The content hash is the one ingest keeps in `metadata._ingest.content_hash` (None
    where a row has none); samples a sweep wrote are left out. Batches keep a run of
    millions of rows out of memory at once, and cost less per row than one at a time.
    """
    cur = store.con.execute(
        "SELECT sample_uid, json_extract_string(metadata, '$._ingest.content_hash') "
        "FROM samples WHERE run = ? AND source <> 'sweep'",
        [run],
    )
    while chunk := cur.fetchmany(batch):
        yield chunk


class VariantEpochs(NamedTuple):
    """One variant of one model in a run, and the first epoch not yet stored."""

    run_id: str
    """Training run within the run ('' for the default one)."""
    model_id: str
    """Model id."""
    suite: str
    """Suite."""
    variant_id: str
    """Variant id."""
    variant_hash: str
    """Hash of the variant's text."""
    next_epoch: int
    """One more than the highest stored epoch."""


def next_epochs(store: Store, run: str) -> list[VariantEpochs]:
    """Every (training run, model, suite, variant) of `run` with its next free epoch."""
    rows = store.con.execute(
        "SELECT coalesce(run_id, ''), model_id, suite, variant_id, variant_hash, max(epoch) + 1"
        " FROM samples WHERE run = ? GROUP BY ALL",
        [run],
    ).fetchall()
    return [
        VariantEpochs(str(r), str(m), str(s), str(v), str(h), int(n)) for r, m, s, v, h, n in rows
    ]


def model_orders(store: Store, run: str) -> list[tuple[str, int | None]]:
    """Each model of `run` with its stored `model_order` (None when unset), in that order.

    Models without an order come first, then by name within equal orders.
    """
    rows = store.con.execute(
        "SELECT model_id, min(model_order) FROM samples WHERE run = ? GROUP BY model_id "
        "ORDER BY 2, 1",
        [run],
    ).fetchall()
    return [(str(model_id), None if order is None else int(order)) for model_id, order in rows]
