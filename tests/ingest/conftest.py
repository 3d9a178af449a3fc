"""Fixtures for ingest tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _ingest_helpers import run, write_jsonl


@pytest.fixture
def populated(tmp_path: Path) -> Callable[[], Path]:
    """A run directory that already holds three ingested samples."""

    def make() -> Path:
        out = tmp_path / "run"
        src = write_jsonl(
            tmp_path / "base.jsonl",
            [{"id": f"b{i}", "prompt": f"q{i}", "answer": str(i), "outcome": i % 2 == 0}
             for i in range(3)],
        )  # fmt: skip
        run([src], out)
        return out

    return make
