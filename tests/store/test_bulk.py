"""Bulk writes: Arrow batches into `samples` in one transaction; what a run already holds."""

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from cotscope.store import (
    SampleStream,
    Store,
    arrow_schema,
    ingested_content,
    model_orders,
    next_epochs,
)

COLUMNS = ("sample_uid", "model_id", "model", "suite", "variant_id", "variant_family",
           "variant_hash", "epoch", "prompt", "outcome", "source")  # fmt: skip
WHEN = datetime(2025, 1, 2, 3, 4, 5)


def _batch(uids: list[str], outcome: str | None = "yes") -> pa.RecordBatch:
    n = len(uids)
    values: dict[str, list[Any]] = {
        "sample_uid": uids, "model_id": ["m"] * n, "model": ["ingested"] * n,
        "suite": ["s"] * n, "variant_id": [f"v{u}" for u in uids], "variant_family": ["f"] * n,
        "variant_hash": ["h"] * n, "epoch": [0] * n, "prompt": [f"p{u}" for u in uids],
        "outcome": [outcome] * n, "source": ["log.jsonl"] * n,
    }  # fmt: skip
    schema = arrow_schema(COLUMNS)
    return pa.RecordBatch.from_arrays(
        [pa.array(values[f.name], type=f.type) for f in schema], schema=schema
    )


def _fixed() -> dict[str, Any]:
    return {"run": "r", "model_args": "{}", "created_at": WHEN, "attempts": 1}


def test_stream_commits_samples_and_variants_at_once(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        stream = SampleStream(s, queue_batches=1)
        stream.begin(arrow_schema(COLUMNS), _fixed(), 256 << 20)
        for i in range(3):
            stream.put(_batch([f"{i}a", f"{i}b"]))
        stream.finish()
        stream.finish()  # a second call is harmless
        stream.add_variants("r", WHEN)
        assert stream.suites("r", WHEN) == ["s"]
        stream.commit()
        assert s.con.execute(
            "SELECT count(*) FROM samples WHERE run = 'r' AND attempts = 1"
        ).fetchone() == (6,)
        assert s.query("SELECT count(*) AS n FROM variants WHERE text LIKE 'p%'") == [{"n": 6}]


def test_rollback_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        stream = SampleStream(s)
        stream.begin(arrow_schema(COLUMNS), _fixed(), 256 << 20)
        stream.put(_batch(["a", "b"]))
        stream.rollback()
        stream.rollback()  # safe to repeat
        assert s.count() == 0


def test_a_failed_insert_is_reraised_and_rolled_back(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        stream = SampleStream(s)
        stream.begin(arrow_schema(COLUMNS), _fixed(), 256 << 20)
        stream.put(_batch(["a"]))
        stream.put(_batch(["b"], outcome=None))  # violates NOT NULL
        with pytest.raises(duckdb.Error):
            stream.finish()
        stream.rollback()
        assert s.count() == 0


def test_what_a_run_already_holds(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        stream = SampleStream(s)
        stream.begin(arrow_schema(COLUMNS), _fixed(), 256 << 20)
        stream.put(_batch(["a1", "b2"]))
        stream.finish()
        stream.commit()
        s.con.execute(
            "UPDATE samples SET epoch = 4, model_order = 3, source = 'sweep', "
            'metadata = \'{"_ingest": {"content_hash": "ff"}}\' WHERE sample_uid = \'b2\''
        )
        s.con.execute(
            'UPDATE samples SET metadata = \'{"_ingest": {"content_hash": "0a"}}\' '
            "WHERE sample_uid = 'a1'"
        )
        content = [pair for chunk in ingested_content(s, "r", batch=1) for pair in chunk]
        epochs = sorted(next_epochs(s, "r"))
        orders = model_orders(s, "r")
    assert content == [("a1", "0a")]  # the swept sample is not an ingested one
    assert [(e.variant_id, e.next_epoch) for e in epochs] == [("va1", 1), ("vb2", 5)]
    assert epochs[0].run_id == "" and epochs[0].model_id == "m"
    assert orders == [("m", 3)]
