"""The stored `rates` payload: tables of rows that read back as the same `RunStats`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.results import analyse, run_stats
from cotscope.results._rates_payload import StalePayload, stats_from_payload, stats_payload
from cotscope.stats import RunStats, collect_stats
from cotscope.store import Store, read_results, write_result

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "reasoning-under-pressure"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rup") / "run"
    result = CliRunner().invoke(app, [
        "ingest", str(DATA / "300.jsonl"), str(DATA / "340.jsonl"), "-o", str(out),
        "--map", "step=step", "--map", "prompt=input", "--map", "answer=output",
        "--map", "outcome=all_correct",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def stats(run: Path) -> RunStats:
    with Store(run, read_only=True) as store:
        return collect_stats(store, "run")


def test_a_payload_reads_back_as_equal_rows(stats: RunStats) -> None:
    payload = json.loads(json.dumps(stats_payload(stats)))
    assert payload["rates"]["columns"][:3] == ["level", "model_id", "model"]
    back = stats_from_payload(payload)
    assert back.models == stats.models
    assert back.rates == stats.rates and len(back.rates) > 0
    assert back.rises == stats.rises and any(r.tests for r in back.rises)
    assert _json(back) == _json(stats)  # the rest (trends, changes, bins hold arrays)


def _json(stats: RunStats) -> str:
    return json.dumps(stats.to_json(), default=str)


def test_a_payload_with_other_columns_is_refused(stats: RunStats) -> None:
    payload = json.loads(json.dumps(stats_payload(stats)))
    payload["rates"]["columns"] = payload["rates"]["columns"][:-1]
    with pytest.raises(StalePayload, match="RateRow"):
        stats_from_payload(payload)
    old = json.loads(json.dumps(stats_payload(stats)))
    old["rates"] = []  # rows as objects, as rates v5 stored them: not tables
    with pytest.raises(StalePayload):
        stats_from_payload(old)


def test_a_stale_stored_payload_is_recomputed_not_misread(run: Path, stats: RunStats) -> None:
    analyse(run)
    with Store(run) as store:
        stored = read_results(store, "run", ["rates"])["rates"]
        broken = dict(stored.payload)
        broken["models"] = {"columns": ["model_id"], "rows": [["x"]]}
        write_result(store, "run", "rates", stored.version, stored.inputs_hash, broken, 0.0)
        assert _json(run_stats(store, "run")) == _json(stats)
