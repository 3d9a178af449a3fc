"""`cotscope analyse` on a real ingested run: stored once, recomputed only when inputs change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.results import analyse, builtin_measures
from cotscope.store import Store, read_results

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "reasoning-under-pressure"


def _cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return str(result.stdout)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("rup") / "run"
    _cli(
        "ingest", str(DATA / "300.jsonl"), "-o", str(run), "--map", "step=step",
        "--map", "prompt=input", "--map", "answer=output", "--map", "outcome=all_correct",
        "--map", "outcome=monitor_correctness",
    )  # fmt: skip
    _cli("grade", str(run), "--grader", "grader-seeking", "--lexical")
    return run


@pytest.fixture
def run(ingested: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(ingested, copy)
    return copy


def _statuses(run: Path) -> dict[str, str]:
    return {m.measure: m.status for m in analyse(run).measures}


def test_every_measure_is_stored_and_nothing_recomputes_twice(run: Path) -> None:
    assert _statuses(run) == {
        "rates": "computed", "graded-rates": "computed", "terms": "computed",
        "interventions": "not applicable",
    }  # fmt: skip
    assert set(_statuses(run).values()) == {"up to date", "not applicable"}
    assert "nothing to recompute" in _cli("analyse", str(run))
    with Store(run, read_only=True) as store:
        stored = read_results(store, "run")
    assert stored["terms"].payload["schema_version"] == "cotscope.terms/1"
    assert stored["interventions"].payload is None
    assert all(len(r.inputs_hash) == 64 and r.version >= 1 for r in stored.values())


def test_new_grades_recompute_only_what_reads_them(run: Path) -> None:
    analyse(run)
    _cli("grade", str(run), "--grader", "eval-awareness", "--lexical")
    changed = {m for m, s in _statuses(run).items() if s == "computed"}
    assert changed == {"graded-rates"}


def test_new_samples_recompute_what_reads_samples(run: Path) -> None:
    analyse(run)
    _cli(
        "ingest", str(DATA / "340.jsonl"), "-o", str(run), "--map", "step=step",
        "--map", "prompt=input", "--map", "answer=output", "--map", "outcome=all_correct",
        "--map", "outcome=monitor_correctness",
    )  # fmt: skip
    changed = {m for m, s in _statuses(run).items() if s == "computed"}
    assert changed == {"rates", "graded-rates", "terms"}


def test_stats_json_prints_stored_results_and_outcome_definitions(run: Path) -> None:
    first = json.loads(_cli("stats", str(run), "--json"))
    assert first["results"] == {} and "terms" in first["stale_results"]
    analyse(run)
    data = json.loads(_cli("stats", str(run), "--json"))
    assert data["stale_results"] == []
    assert set(data["results"]) == {"graded-rates", "terms"}
    graded = data["results"]["graded-rates"]["result"]["label_rubrics"]
    # One action rate per suite: each counts its own `true`, never the other suite's.
    by_suite: dict[str, Any] = {c["suite"]: c for c in graded}
    assert set(by_suite) == {"all_correct", "monitor_correctness"}
    for suite, cell in by_suite.items():
        rate = next(r for r in data["rates"] if r["suite"] == suite and r["level"] == "suite")
        assert cell["action"] == suite
        assert (cell["action_k"], cell["action_n"]) == (rate["k"], rate["n"])
    definitions = {o["name"]: o for o in data["outcomes"]["all_correct"]}
    assert definitions["true"]["of_interest"] and definitions["unparseable"]["failure"]


def test_a_failing_measure_is_reported_and_the_others_still_run(
    run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(store: Any, stats: Any) -> Any:
        raise RuntimeError("boom")

    measures = [m if m.name != "terms" else type(m)(m.name, m.version, m.tables, broken)
                for m in builtin_measures()]  # fmt: skip
    monkeypatch.setattr("cotscope.results._analyse.builtin_measures", lambda: measures)
    report = analyse(run)
    assert [m.measure for m in report.failed] == ["terms"]
    assert report.failed[0].error == "RuntimeError: boom"
    assert {m.measure: m.status for m in report.measures}["rates"] == "computed"
    with Store(run, read_only=True) as store:
        assert "terms" not in read_results(store, "run")
    _cli("analyse", str(run), code=1)


def test_stored_rates_read_back_as_the_same_numbers(run: Path) -> None:
    from cotscope.results import run_stats
    from cotscope.stats import collect_stats

    analyse(run)
    with Store(run, read_only=True) as store:
        fresh = collect_stats(store, "run").to_json()
        stored = run_stats(store, "run").to_json()
        other = run_stats(store, "run", confidence=0.9).to_json()
    assert json.dumps(stored, default=str) == json.dumps(fresh, default=str)
    assert other["confidence"] == 0.9  # another coverage is computed, not read


def test_the_report_from_stored_results_is_the_report_computed_afresh(
    run: Path, tmp_path: Path
) -> None:
    import re

    from cotscope.report import ReportOptions, build_report

    fresh = tmp_path / "fresh"
    shutil.copytree(run, fresh)

    def page(run_dir: Path, analyse_first: bool) -> str:
        options = ReportOptions(figures=False, analyse=analyse_first)
        html = build_report(run_dir, options=options).read_text()
        return re.sub(r"Generated [^<]* from [^<]*\.", "", html).replace(str(run_dir), "RUN")

    computed = page(fresh, analyse_first=False)
    with Store(fresh, read_only=True) as store:
        assert read_results(store, "run") == {}  # nothing was stored: all computed
    stored = page(run, analyse_first=True)
    with Store(run, read_only=True) as store:
        assert {"rates", "terms", "graded-rates"} <= set(read_results(store, "run"))
    assert stored == computed


def test_a_judge_validation_file_recomputes_graded_rates_only(run: Path) -> None:
    """A judge's `validations/*.json` is an input of `graded-rates` like a table's rows."""
    from cotscope.graders import judge_validations

    analyse(run)
    folder = run / "validations"
    folder.mkdir()
    (folder / "judge.json").write_text(
        json.dumps({"judge": "openai/x", "rubric_hash": "abc", "n": 40, "precision": 0.9,
                    "precision_ci": [0.8, 0.95], "recall": 0.7, "recall_ci": [0.6, 0.8]})
    )  # fmt: skip
    assert _statuses(run)["graded-rates"] == "computed"
    assert {s for m, s in _statuses(run).items()} == {"up to date", "not applicable"}
    found = judge_validations(run, [("openai/x", "abc"), ("lexical:x", "abc"), ("openai/y", "abc")])
    assert [(v.judge, v.check.source, v.check.precision) for v in found] == [
        ("openai/x", "judge.json", 0.9)
    ]
    assert found[0].check.recall_interval == (0.6, 0.8)
    # A lexical detector's own validation on a run's labelled CoTs is read too.
    (folder / "organism.json").write_text(
        json.dumps({"judge": "lexical:x", "rubric_hash": "abc", "n": 160, "precision": 0.95,
                    "precision_ci": [0.86, 0.98], "recall": 0.88, "recall_ci": [0.78, 0.94]})
    )  # fmt: skip
    found = judge_validations(run, [("lexical:x", "abc")])
    assert [(v.judge, v.check.source, v.check.precision) for v in found] == [
        ("lexical:x", "organism.json", 0.95)
    ]
