"""The store: atomic batches, idempotent inserts, Parquet export."""

from pathlib import Path

import duckdb
import pytest

from cotscope.store import SampleRow, Store


def _row(epoch: int, **over: object) -> SampleRow:
    data: dict[str, object] = dict(
        run="r",
        model_id="m",
        model="mockllm/model",
        suite="s",
        variant_id="v",
        variant_family="f",
        variant_hash="h",
        epoch=epoch,
        prompt="p",
        outcome="other",
    )
    data.update(over)
    return SampleRow.model_validate(data)


def test_insert_is_idempotent(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        assert s.insert_samples([_row(0), _row(1)]) == 2
        assert s.insert_samples([_row(0), _row(1), _row(2)]) == 1
        assert s.count() == 3
        assert s.done_keys("r", "m", "s") == {("v", "h", 0), ("v", "h", 1), ("v", "h", 2)}


def test_changed_variant_text_is_a_new_sample(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        s.insert_samples([_row(0)])
        s.insert_samples([_row(0, variant_hash="h2")])
        assert s.count() == 2


def test_failed_batch_leaves_nothing(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        s.insert_samples([_row(0)])
        bad = _row(1)
        object.__setattr__(bad, "outcome", None)  # violates NOT NULL mid-batch
        with pytest.raises(duckdb.Error):
            s.insert_samples([_row(2), bad])
        assert s.count() == 1


def test_json_columns_round_trip_and_export(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        s.insert_samples([_row(0, labels={"a": 1}, messages=[{"role": "user", "content": "x"}])])
        got = s.query("SELECT labels->>'a' AS a, json_array_length(messages) AS n FROM samples")
        assert got == [{"a": "1", "n": 1}]
        paths = s.export_parquet(tmp_path / "pq")
    assert duckdb.sql(f"SELECT count(*) FROM '{paths[0]}'").fetchall() == [(1,)]


def test_read_only_missing_store(tmp_path: Path) -> None:
    from cotscope.store import StoreError

    with pytest.raises(StoreError, match="no cotscope store"):
        Store(tmp_path / "nope", read_only=True)
