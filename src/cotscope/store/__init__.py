"""The sample store: one DuckDB database per run directory, exportable to Parquet."""

from ._lock import (
    LOCK_FILENAME,
    WRITER_COMMIT_TIMEOUT_S,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreNotFoundError,
    StoreReadOnlyError,
    WriterInfo,
    active_writer,
    os_error,
    writer_lock,
)
from ._schema import OUTCOMES, SAMPLE_COLUMNS, SampleRow, sample_uid
from ._store import DB_FILENAME, Store, arrow_schema, require_store

__all__ = [
    "DB_FILENAME",
    "LOCK_FILENAME",
    "WRITER_COMMIT_TIMEOUT_S",
    "StoreCorruptError",
    "StoreFullError",
    "StoreLockedError",
    "StoreNotFoundError",
    "StoreReadOnlyError",
    "WriterInfo",
    "active_writer",
    "os_error",
    "require_store",
    "writer_lock",
    "OUTCOMES",
    "SAMPLE_COLUMNS",
    "SampleRow",
    "Store",
    "StoreError",
    "arrow_schema",
    "sample_uid",
]
