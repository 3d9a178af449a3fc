"""Helpers for ingest tests: paths of the shared real data, running ingest, store snapshots."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from cotscope.ingest import FieldMap, IngestOptions, IngestResult, ingest
from cotscope.store import DB_FILENAME, Store

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SHADE = DATA / "cot-monitor-stress-test" / "transcripts_obfs_shade_arena"
BRANCHES = (
    DATA
    / "thought-branches/faithfulness/good_problems"
    / "Professor_itc_failure_threshold0.3_correct_base_no_mention.json"
)
THINKING = (
    DATA
    / "odd-number-forensics-theamankumarsingh/artifacts/responses"
    / "experiment_010_experimental_reward_001_3_thinking.txt"
)


def need(path: Path) -> Path:
    """Skip the test when a shared data file is absent (e.g. a checkout without ../shared)."""
    if not path.exists():
        pytest.skip(f"shared test data not found at {path.resolve()} (expected ../shared/data)")
    return path


def run(paths: Sequence[Path], out: Path, *maps: str, **options: Any) -> IngestResult:
    """Ingest with `--map` strings and other `IngestOptions` fields."""
    return ingest(list(paths), IngestOptions(out=out, fmap=FieldMap.parse(maps), **options))


def rows(out: Path, where: str = "", order: str = "source, source_line") -> list[dict[str, Any]]:
    """All sample rows of a run directory, JSON columns decoded."""
    with Store(out, read_only=True) as store:
        found = store.query(
            "SELECT * FROM samples" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
        )
    for row in found:
        for col in ("messages", "labels", "metadata", "model_args"):
            if isinstance(row[col], str):
                row[col] = json.loads(row[col])
    return found


def snapshot(out: Path) -> tuple[str, list[Any]]:
    """The database file's bytes hash and every table's content."""
    digest = hashlib.sha256((out / DB_FILENAME).read_bytes()).hexdigest()
    with Store(out, read_only=True) as store:
        tables = [
            store.query(f"SELECT * FROM {t} ORDER BY ALL") for t in ("samples", "variants", "runs")
        ]
    return digest, tables


def write_jsonl(path: Path, records: Sequence[Any]) -> Path:
    """Write records as JSON lines (strings are written verbatim, as raw lines)."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
