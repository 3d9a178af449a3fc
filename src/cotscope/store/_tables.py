"""The store's tables: creating them, reading old stores, and Arrow types of samples.

A writer creates every table the store holds (`samples`, `variants`, `runs`,
`outcomes`, `results`) and adds the columns a store written by an older cotscope
lacks; a reader leaves the file alone and shows such a store through a temporary
view with those columns filled in. The column definitions are in `_schema`,
`_outcomes` and `_results`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

from ._outcomes import OUTCOME_COLUMNS
from ._results import RESULT_COLUMNS
from ._schema import RUN_COLUMNS, SAMPLE_COLUMNS, VARIANT_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa


def _ddl(table: str, columns: dict[str, str], extra: str = "") -> str:
    cols = ",\n  ".join(f"{name} {kind}" for name, kind in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {cols}{extra}\n)"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the store's tables, and add the columns older stores lack (writers)."""
    con.execute(_ddl("samples", SAMPLE_COLUMNS))
    # Stores written before `attempts` existed: every row there was one attempt.
    con.execute("ALTER TABLE samples ADD COLUMN IF NOT EXISTS attempts INTEGER DEFAULT 1")
    # ... and before training runs were keyed: all their checkpoints are one run.
    con.execute("ALTER TABLE samples ADD COLUMN IF NOT EXISTS run_id VARCHAR DEFAULT ''")
    # ... and before checkpoints recorded their training phase.
    con.execute("ALTER TABLE samples ADD COLUMN IF NOT EXISTS phase VARCHAR DEFAULT ''")
    con.execute(
        _ddl("variants", VARIANT_COLUMNS, ",\n  PRIMARY KEY (suite, variant_id, variant_hash)")
    )
    con.execute(_ddl("runs", RUN_COLUMNS))
    con.execute(_ddl("outcomes", OUTCOME_COLUMNS, ",\n  PRIMARY KEY (run, suite, name)"))
    con.execute(_ddl("results", RESULT_COLUMNS, ",\n  PRIMARY KEY (run, measure)"))


def read_old_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Show a store written before later columns as if it had them (reads only).

    A temporary view shadows the table, so the file is not touched.
    """
    have = {
        str(r[0])
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'samples' AND table_schema = 'main'"
        ).fetchall()
    }
    defaults = {"attempts": "1", "run_id": "''", "phase": "''"}
    missing = [name for name in defaults if name not in have]
    if not have or not missing:
        return
    catalog = con.execute("SELECT current_database()").fetchone()
    assert catalog is not None
    extra = "".join(f", {defaults[name]} AS {name}" for name in missing)
    con.execute(f'CREATE TEMP VIEW samples AS SELECT *{extra} FROM "{catalog[0]}".main.samples')


_ARROW_TYPES = {
    "VARCHAR": "string",
    "JSON": "string",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "DOUBLE": "float64",
    "TIMESTAMP": "timestamp",
}


def arrow_schema(names: Sequence[str]) -> pa.Schema:
    """Arrow types for the given `samples` columns (JSON columns travel as text).

    Args:
        names: Column names of `SAMPLE_COLUMNS`, in the order wanted.

    Returns:
        The schema.
    """
    import pyarrow as pa

    fields = []
    for name in names:
        kind = _ARROW_TYPES[SAMPLE_COLUMNS[name].split()[0]]
        typ = pa.timestamp("us") if kind == "timestamp" else pa.type_for_alias(kind)
        fields.append(pa.field(name, typ))
    return pa.schema(fields)
