"""DuckDB store of samples, variants and runs, one database file per run directory.

Writes are batched and atomic: a batch is inserted inside one transaction, so a
killed process leaves either the whole batch or none of it. Inserting a sample
whose key already exists is a no-op, which makes re-running a spec idempotent;
only a stored error may be replaced, by a retry of the same sample.

Opening waits a bounded time for another process's lock on the database file and
turns every failure (locked, missing, corrupt, read-only, full) into a one-line
`StoreError` (`_errors`); see `_lock` for who may write a run directory. The tables
and what is done for a store written by an older cotscope are in `_tables`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from ._errors import explain_error, is_lock_conflict
from ._lock import StoreError, StoreNotFoundError, lock_timeout, os_error
from ._queries import ALL_SAMPLES, SampleColumn, SampleFilter, column_sql
from ._schema import JSON_COLUMNS, SAMPLE_COLUMNS, VARIANT_COLUMNS, SampleRow
from ._tables import arrow_schema, ensure_schema, read_old_schema

DB_FILENAME = "cotscope.duckdb"

_NEW_SAMPLES = "_cotscope_new_samples"


def require_store(run_dir: str | Path) -> None:
    """Fail unless `run_dir` holds a store.

    Raises:
        StoreNotFoundError: naming the directory and what to give instead.
    """
    if not (Path(run_dir) / DB_FILENAME).exists():
        raise StoreNotFoundError(
            f"{run_dir}: no cotscope store here ({DB_FILENAME} is missing); "
            "give the run directory that `cotscope run` or `cotscope ingest` wrote"
        )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False)


class Store:
    """A run directory's DuckDB database.

    Use as a context manager; the connection is closed on exit.
    """

    def __init__(
        self,
        run_dir: str | Path,
        read_only: bool = False,
        row_group_size: int | None = None,
        timeout: float | None = None,
        create: bool = True,
    ) -> None:
        """Open (or create) the store of a run directory.

        Args:
            run_dir: The run directory.
            read_only: Open without write access (the store must exist).
            row_group_size: Rows per DuckDB row group for rows this connection writes
                (default 122,880). Bulk writers of large rows use fewer, since DuckDB keeps
                an unfinished row group of an open transaction in memory.
            timeout: Seconds to wait while another process holds the database
                (default `$COTSCOPE_LOCK_TIMEOUT`, 30 s).
            create: Create the store when it is missing (writers that add to an
                existing run, such as grading, pass False).

        Raises:
            StoreError: one line naming the run directory and what to do (subclasses
                say which failure: locked, missing, corrupt, read-only, full).
        """
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / DB_FILENAME
        self.read_only = read_only
        if read_only or not create:
            require_store(self.run_dir)
        else:
            try:
                self.run_dir.mkdir(parents=True, exist_ok=True)
            except OSError as ex:
                raise os_error(ex, self.run_dir, "create the run directory") from None
        self.con = self._connect(row_group_size, lock_timeout() if timeout is None else timeout)
        try:
            if read_only:
                read_old_schema(self.con)
            else:
                ensure_schema(self.con)
        except duckdb.Error as ex:
            self.con.close()
            raise self.explain(ex, "prepare the store") from None

    def _connect(self, row_group_size: int | None, timeout: float) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if row_group_size is None or self.read_only:
                    return duckdb.connect(str(self.path), read_only=self.read_only)
                return self._attach(row_group_size)
            except duckdb.Error as ex:
                if not is_lock_conflict(ex) or time.monotonic() >= deadline:
                    raise self.explain(ex, "open the store", timeout) from None
            time.sleep(0.1)

    def explain(self, ex: duckdb.Error, doing: str, waited: float = 0.0) -> StoreError:
        """A one-line `StoreError` for a DuckDB failure while `doing` something."""
        return explain_error(self.path, ex, doing, waited)

    def user_error(self, ex: duckdb.Error, doing: str) -> StoreError | None:
        """`explain(ex)` when the user can act on it, else None.

        Users can act on I/O, lock, space and damaged-file errors; other DuckDB errors
        are bugs and keep their traceback.
        """
        err = self.explain(ex, doing)
        if type(err) is not StoreError or isinstance(ex, duckdb.IOException):
            return err
        return None

    def _attach(self, row_group_size: int) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        quoted = str(self.path).replace("'", "''")
        try:
            con.execute(f"SET temp_directory = '{quoted}.tmp'")  # where a file database spills
            con.execute(f"ATTACH '{quoted}' AS store (ROW_GROUP_SIZE {int(row_group_size)})")
            con.execute("USE store")
        except duckdb.Error:
            con.close()
            raise
        return con

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.close()
        except duckdb.Error:
            if exc is None:
                raise
        # A failed write (full disk, read-only file) that escaped the block: one clear
        # line instead of DuckDB's exception. Other DuckDB errors are bugs and stay.
        if isinstance(exc, duckdb.Error):
            err = self.user_error(exc, "write the store")
            if err is not None:
                raise err from None

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    # -- writing -------------------------------------------------------------

    def insert_samples(self, rows: Sequence[SampleRow], replace_errors: bool = False) -> int:
        """Insert a batch atomically; rows whose key exists are skipped.

        Args:
            rows: The rows.
            replace_errors: A row whose key is stored with outcome `error` replaces that
                row (a retry of the same sample), and its `attempts` becomes the stored
                count plus one. Any other stored row is kept.

        Returns:
            Rows added or replaced.

        Raises:
            StoreError: the write failed (the disk is full, say); nothing of the batch
                was kept.
        """
        if not rows:
            return 0
        import pyarrow as pa

        names = list(SAMPLE_COLUMNS)
        dumped = [row.model_dump() for row in rows]
        # One Arrow table and one INSERT ... SELECT: DuckDB's executemany cost ~4 ms per
        # row, a fifth of a demo sample's time on the event loop.
        table = pa.table(
            {n: [_json(d[n]) if n in JSON_COLUMNS else d[n] for d in dumped] for n in names},
            schema=arrow_schema(names),
        )
        columns = ", ".join(names)
        conflict = "ON CONFLICT DO NOTHING"
        if replace_errors:
            updates = ", ".join(
                f"{n} = excluded.{n}" for n in names if n not in ("sample_uid", "attempts")
            )
            conflict = (
                f"ON CONFLICT (sample_uid) DO UPDATE SET {updates}, "
                "attempts = coalesce(samples.attempts, 1) + 1 WHERE samples.outcome = 'error'"
            )
        self.con.register(_NEW_SAMPLES, table)
        try:
            self.con.execute("BEGIN TRANSACTION")
            try:
                # DuckDB reports the rows it inserted or updated, skipped conflicts not counted.
                ((added,),) = self.con.execute(
                    f"INSERT INTO samples ({columns}) SELECT {columns} FROM {_NEW_SAMPLES} "
                    + conflict
                ).fetchall()
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        except duckdb.Error as ex:
            err = self.user_error(ex, f"commit {len(rows)} samples")
            if err is None:
                raise
            raise err from None
        finally:
            self.con.unregister(_NEW_SAMPLES)
        return int(added)

    def upsert_variants(self, variants: Iterable[dict[str, Any]]) -> None:
        """Record variant texts by (suite, id, hash); an existing triple is left as it is."""
        names = list(VARIANT_COLUMNS)
        records = [
            tuple(_json(v.get(n)) if n == "scoring" else v.get(n) for n in names) for v in variants
        ]
        if not records:
            return
        placeholders = ", ".join("?" for _ in names)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.executemany(
                f"INSERT INTO variants ({', '.join(names)}) VALUES ({placeholders}) "
                "ON CONFLICT DO NOTHING",
                records,
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def record_run(
        self, run: str, spec: dict[str, Any], spec_hash: str, env: dict[str, Any]
    ) -> None:
        """Create or update the run's metadata row (spec, its hash, the serving environment)."""
        now = datetime.now()
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run) DO UPDATE SET "
            "spec = excluded.spec, spec_hash = excluded.spec_hash, "
            "environment = excluded.environment, updated_at = excluded.updated_at",
            [run, _json(spec), spec_hash, _json(env), now, now],
        )

    # -- reading -------------------------------------------------------------

    def count(self, where: SampleFilter = ALL_SAMPLES) -> int:
        """Number of sample rows a filter selects (all of them by default)."""
        condition, params = where.to_sql()
        ((count,),) = self.con.execute(
            f"SELECT count(*) FROM samples WHERE {condition}", params
        ).fetchall()
        return int(count)

    def done_keys(
        self, run: str, model_id: str, suite: str, include_errors: bool = True
    ) -> set[tuple[str, str, int]]:
        """(variant_id, variant_hash, epoch) triples already stored for one model and suite.

        Args:
            run: Run name.
            model_id: Model id.
            suite: Suite name.
            include_errors: Count stored errors as done; False lists them as still to do
                (a re-run retries them).
        """
        rows = self.con.execute(
            "SELECT variant_id, variant_hash, epoch FROM samples "
            "WHERE run = ? AND model_id = ? AND suite = ?"
            + ("" if include_errors else " AND outcome <> 'error'"),
            [run, model_id, suite],
        ).fetchall()
        return {(str(v), str(h), int(e)) for v, h, e in rows}

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run a read query and return rows as dicts."""
        cur = self.con.execute(sql, list(params))
        cols = [d[0] for d in cur.description] if cur.description else []
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def iter_samples(
        self,
        columns: Sequence[SampleColumn],
        where: SampleFilter = ALL_SAMPLES,
        batch: int = 10_000,
    ) -> Iterator[dict[str, Any]]:
        """Stream the chosen columns of the selected samples in batches, in insertion order.

        Unlike `read_samples`, nothing is held beyond one batch: for reads of every
        reasoning of a large run.

        Raises:
            ValueError: a column is not one of `samples`.
        """
        condition, params = where.to_sql()
        select = ", ".join(f"{column_sql(c)} AS {c}" for c in columns)
        cur = self.con.execute(f"SELECT {select} FROM samples WHERE {condition}", params)
        names = list(columns)
        while chunk := cur.fetchmany(batch):
            for r in chunk:
                yield dict(zip(names, r, strict=True))

    def export_parquet(self, out_dir: str | Path) -> list[Path]:
        """Write every table of the store to `<out_dir>/<table>.parquet`.

        That is samples, variants and runs, and grades or interventions when those
        measures ran. Returns the written paths.

        Raises:
            StoreError: the folder cannot be written (read-only, full); files written
                before the failure are removed.
        """
        out = Path(out_dir)
        tables = [
            str(name)
            for (name,) in self.con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_catalog = current_database() "
                "ORDER BY table_name = 'samples' DESC, table_name"
            ).fetchall()
        ]
        paths: list[Path] = []
        try:
            out.mkdir(parents=True, exist_ok=True)
            for table in tables:
                path = out / f"{table}.parquet"
                paths.append(path)
                quoted = path.as_posix().replace("'", "''")
                self.con.execute(f"COPY \"{table}\" TO '{quoted}' (FORMAT PARQUET)")
        except (OSError, duckdb.Error) as ex:
            for p in paths:
                p.unlink(missing_ok=True)
            if isinstance(ex, OSError):
                raise os_error(ex, self.run_dir, f"export to {out}") from None
            raise self.explain(ex, f"export to {out}") from None
        return paths
