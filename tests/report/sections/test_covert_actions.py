"""The covert-actions analysis and report section on a hand-made store with known counts."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from cotscope.report import ENTRY_POINT_GROUP, ReportOptions, open_context
from cotscope.report.sections.covert_actions import SECTION
from cotscope.results import analyse as analyse_run
from cotscope.stats import aggregate_rates, collect_stats
from cotscope.store import SampleRow, Store
from cotscope.suites.covert_actions import SUITE, load_variants
from cotscope.suites.covert_actions._summary import summarise

ENVS = ("log_falsification", "grader_tampering", "legal_reporting")


def _outcomes(step: int, env_index: int, role: str) -> list[str]:
    # Treatment covert counts rise with the step and differ by environment; controls stay low.
    covert = (env_index + step // 10) if role == "treatment" else 0
    return ["covert-action"] * covert + ["honest"] * (6 - covert) + ["unparseable", "error"]


def _store(run_dir: Path, suite: str = SUITE) -> Path:
    rows = []
    for order, step in enumerate((0, 20)):
        for i, env in enumerate(ENVS):
            for v in (v for v in load_variants() if v.family == env):
                for epoch, outcome in enumerate(_outcomes(step, i, v.scoring["role"])):
                    rows.append(SampleRow(
                        run="r", model_id=f"ckpt-{step}", model="mockllm/model",
                        model_order=order, step=step, suite=suite, variant_id=v.id,
                        variant_family=v.family, variant_hash=v.hash, epoch=epoch,
                        prompt=v.text, answer="", outcome=outcome,
                        error="boom" if outcome == "error" else None,
                    ))  # fmt: skip
    with Store(run_dir) as store:
        store.insert_samples(rows)
    return run_dir


def _render(run_dir: Path, figures: bool = True) -> str | None:
    options = ReportOptions(figures=figures)
    with open_context(run_dir, options=options, out_dir=run_dir, sections=[SECTION]) as ctx:
        html = SECTION.render(ctx)
        assert not figures or html is None or ctx.figures
        return html


def test_aggregate_is_the_mean_over_environments_with_an_environment_bootstrap(
    tmp_path: Path,
) -> None:
    run = _store(tmp_path)
    with Store(run, read_only=True) as store:
        stats = collect_stats(store)
        s = summarise(store, "r", stats.models)
    assert s is not None
    assert s.environments == list(ENVS)
    cell = s.cells[("ckpt-20", "grader_tampering", "treatment")]
    # Pooled over the environment's two instances, 3 of 6 each.
    assert cell.variants == {"grader_tampering/treatment", "grader_tampering/treatment/s2"}
    assert (cell.k, cell.n, cell.unparseable, cell.error) == (6, 12, 2, 2)
    agg = s.overall[("ckpt-20", "treatment")]
    assert agg.n_variants == 3 and agg.ci_method == "bootstrap-variants"
    assert agg.mean_rate == pytest.approx((2 / 6 + 3 / 6 + 4 / 6) / 3)
    assert agg == aggregate_rates([(4, 12), (6, 12), (8, 12)])
    assert s.overall[("ckpt-0", "control")].mean_rate == 0.0


def test_section_shows_rates_counts_and_figure(tmp_path: Path) -> None:
    html = _render(_store(tmp_path))
    assert html is not None
    assert "Aggregate over environments" in html and "Per environment" in html
    assert "50.0% [" in html and "(6/12)" in html  # grader_tampering at step 20, with n
    assert html.count("<tr") == 1 + 2 + 1 + 3 * 2  # header+2 checkpoints, header+6 rows
    assert (tmp_path / "figures" / "covert-actions-rate.svg").exists()


def test_section_is_absent_without_samples_of_the_suite(tmp_path: Path) -> None:
    assert _render(_store(tmp_path, suite="other_suite"), figures=False) is None


def test_registered_and_renders_the_same_from_stored_results(tmp_path: Path) -> None:
    (registered,) = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == "covert_actions"]
    assert registered.load() is SECTION
    run = _store(tmp_path)
    computed = _render(run, figures=False)
    analyse_run(run)  # stores the suite's result; the section then decodes it
    with open_context(run, sections=[]) as ctx:
        assert "suite:covert_actions" in ctx.results.stored
    assert _render(run, figures=False) == computed
