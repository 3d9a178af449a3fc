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
from ._outcomes import (
    BOOLEAN_MEASURE,
    boolean_measure_name,
    declare_ingested,
    suite_outcomes,
    write_outcomes,
)
from ._results import (
    StoredResult,
    decode_result,
    delete_result,
    encode_result,
    has_table,
    inputs_hash,
    read_results,
    table_fingerprint,
    write_result,
)
from ._schema import SAMPLE_COLUMNS, SampleRow, sample_uid
from ._store import DB_FILENAME, Store, require_store
from ._tables import arrow_schema

__all__ = [
    "BOOLEAN_MEASURE",
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
    "StoredResult",
    "boolean_measure_name",
    "decode_result",
    "delete_result",
    "encode_result",
    "has_table",
    "inputs_hash",
    "read_results",
    "table_fingerprint",
    "write_result",
    "declare_ingested",
    "suite_outcomes",
    "write_outcomes",
    "SAMPLE_COLUMNS",
    "SampleRow",
    "Store",
    "StoreError",
    "arrow_schema",
    "sample_uid",
]
