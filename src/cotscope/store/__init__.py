"""The sample store: one DuckDB database per run directory, exportable to Parquet."""

from ._schema import OUTCOMES, SAMPLE_COLUMNS, SampleRow, sample_uid
from ._store import DB_FILENAME, Store, StoreError, arrow_schema

__all__ = [
    "DB_FILENAME",
    "OUTCOMES",
    "SAMPLE_COLUMNS",
    "SampleRow",
    "Store",
    "StoreError",
    "arrow_schema",
    "sample_uid",
]
