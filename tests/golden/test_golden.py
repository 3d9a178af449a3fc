"""The numbers `stats --json` and the report give for two fixed runs stay what they were.

`golden.json` was written by `make_golden.py` before the suites/results refactor
(issue 20). A change may add numbers; it may not lose or alter one unless the
golden file's diff, committed with it, says which and why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ._runs import (
    build_ingest,
    build_sweep,
    contained,
    numbers_kept,
    snapshot,
    unexplained_numbers,
)

pytestmark = pytest.mark.model

GOLDEN = json.loads((Path(__file__).parent / "golden.json").read_text())


@pytest.fixture(scope="module")
def now(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("golden")
    return {
        "sweep": snapshot(build_sweep(root / "sweep")),
        "ingest": snapshot(build_ingest(root / "ingest")),
    }


@pytest.mark.parametrize("run", ["sweep", "ingest"])
def test_stats_json_keeps_every_golden_number(now: dict[str, Any], run: str) -> None:
    lost = contained(GOLDEN[run]["stats"], now[run]["stats"])
    assert not lost, "\n".join(lost[:40])


@pytest.mark.parametrize("run", ["sweep", "ingest"])
def test_report_shows_every_golden_number(now: dict[str, Any], run: str) -> None:
    lost = numbers_kept(GOLDEN[run]["report_numbers"], now[run]["report_numbers"])
    assert not lost, "\n".join(lost[:40])


@pytest.mark.parametrize("run", ["sweep", "ingest"])
def test_the_report_shows_no_number_stats_json_lacks(now: dict[str, Any], run: str) -> None:
    """The report renders stored results: each number it shows, `stats --json` prints."""
    extra = unexplained_numbers(now[run]["report_whole_numbers"], now[run]["analysed_stats"])
    assert not extra, extra[:60]


def test_golden_file_holds_the_findings() -> None:
    # Guards against a golden file emptied by two builds that agreed on nothing.
    for run in ("sweep", "ingest"):
        assert GOLDEN[run]["stats"]["rates"], run
        assert sum(GOLDEN[run]["report_numbers"].values()) > 100, run
