"""Sweep plumbing on mockllm: rows land, resume skips work, a crash mid-run loses nothing."""

import re
from pathlib import Path
from typing import Any

import pytest

from cotscope.runner import plan_sweep, render_summary, run_sweep, summarize
from cotscope.store import Store
from cotscope.suites.reward_hints import OUTCOMES
from cotscope.sweeps import parse_spec

from ._helpers import mock_outputs as _outputs

NO_NUMBER = _outputs(["I would rather not say."] * 200)


def _spec(tmp_path: Path, **over: Any) -> Any:
    data: dict[str, Any] = {
        "name": "mock",
        "models": [
            {
                "id": "ckpt-a",
                "model": "mockllm/model",
                "step": 0,
                "model_args": {"custom_outputs": NO_NUMBER},
            },
            {
                "id": "ckpt-b",
                "model": "mockllm/model",
                "step": 5,
                "model_args": {"custom_outputs": NO_NUMBER},
            },
        ],
        "suites": [{"name": "reward_hints", "variants": ["base", "control"], "epochs": 3}],
        "generation": {"max_tokens": 8, "temperature": 0.0},
        "output_dir": str(tmp_path / "run"),
        "commit_every": 5,
    }
    data.update(over)
    return parse_spec(data)


def test_sweep_writes_one_row_per_sample(tmp_path: Path, no_network: None) -> None:
    plan = plan_sweep(_spec(tmp_path))
    assert plan.total_samples == 2 * 4 * 3
    result = run_sweep(plan, display="none", echo=lambda _: None)
    assert result.added == 24 and result.skipped == 0
    with Store(plan.run_dir, read_only=True) as store:
        rows = store.query("SELECT * FROM samples")
        variants = store.query("SELECT * FROM variants")
        runs = store.query("SELECT * FROM runs")
    assert len(rows) == 24
    assert {r["model_id"] for r in rows} == {"ckpt-a", "ckpt-b"}
    assert {r["step"] for r in rows} == {0, 5}
    assert all(r["outcome"] in (*OUTCOMES, "error") for r in rows)
    # The mock's text holds no number: counted as unparseable, never as "no".
    assert {r["outcome"] for r in rows} == {"unparseable"}
    assert all(r["variant_hash"] and len(r["variant_hash"]) == 64 for r in rows)
    assert all(r["log_file"] and Path(r["log_file"].removeprefix("file://")).exists() for r in rows)
    assert len(variants) == 4 and len(runs) == 1
    table = render_summary(summarize(plan.run_dir))
    assert "ckpt-a" in table and "no data" in table


def test_rerun_skips_and_never_duplicates(tmp_path: Path) -> None:
    plan = plan_sweep(_spec(tmp_path))
    run_sweep(plan, display="none", echo=lambda _: None)
    again = run_sweep(plan, display="none", echo=lambda _: None)
    assert again.added == 0 and again.skipped == 24
    bigger = plan_sweep(
        _spec(
            tmp_path,
            suites=[{"name": "reward_hints", "variants": ["base", "control"], "epochs": 4}],
        )
    )
    more = run_sweep(bigger, display="none", echo=lambda _: None)
    assert more.added == 2 * 4 and more.skipped == 24
    with Store(plan.run_dir, read_only=True) as store:
        assert store.count() == 32
        dupes = store.query(
            "SELECT model_id, variant_id, epoch, count(*) c FROM samples GROUP BY ALL HAVING c > 1"
        )
    assert dupes == []


def test_interrupted_run_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = plan_sweep(_spec(tmp_path))
    original = Store.insert_samples
    calls = {"n": 0}

    def crash_on_third(self: Store, rows: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-sweep
        return original(self, rows, **kwargs)

    monkeypatch.setattr(Store, "insert_samples", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, display="none", echo=lambda _: None)
    with Store(plan.run_dir, read_only=True) as store:
        assert store.count() == 10  # two whole chunks of 5, nothing half-written
    monkeypatch.setattr(Store, "insert_samples", original)
    result = run_sweep(plan, display="none", echo=lambda _: None)
    assert result.added == 14 and result.skipped == 10
    with Store(plan.run_dir, read_only=True) as store:
        assert store.count() == 24


def test_parseable_outputs_are_scored(tmp_path: Path) -> None:
    outputs = _outputs(["I pick 7.", "Answer: 12"] * 10)
    spec = _spec(
        tmp_path,
        models=[{"id": "m", "model": "mockllm/model", "model_args": {"custom_outputs": outputs}}],
        suites=[{"name": "reward_hints", "variants": ["base"], "epochs": 6}],
        generation={"max_tokens": 8, "temperature": 0.0, "max_connections": 1},
    )
    run_sweep(plan_sweep(spec), display="none", echo=lambda _: None)
    with Store(spec.run_dir(), read_only=True) as store:
        got = store.query("SELECT DISTINCT parsed_answer, outcome FROM samples ORDER BY 1")
        n = store.count()
    # Which sample receives which mock output depends on scheduling; the mapping must not.
    assert got == [
        {"parsed_answer": "12", "outcome": "follows-instruction"},
        {"parsed_answer": "7", "outcome": "follows-hint"},
    ]
    assert n == 6


def test_crashed_samples_are_counted_as_errors(tmp_path: Path, no_network: None) -> None:
    # Without usage, mockllm needs tiktoken's downloaded encoding: every sample crashes
    # offline. Each crash must be stored as an `error` row with its message, not as "no".
    spec = _spec(tmp_path, models=[{"id": "m", "model": "mockllm/model"}])
    result = run_sweep(plan_sweep(spec), display="none", echo=lambda _: None)
    assert result.errors == result.added == 12
    with Store(spec.run_dir(), read_only=True) as store:
        rows = store.query("SELECT outcome, error FROM samples")
    assert {r["outcome"] for r in rows} == {"error"}
    assert all("network blocked" in r["error"] or "o200k" in r["error"] for r in rows)
    summary = summarize(spec.run_dir())
    assert [s.errors for s in summary] == [3, 9] or sum(s.errors for s in summary) == 12


def test_epochs_for_gives_variants_their_own_epochs(tmp_path: Path) -> None:
    suites = [
        {
            "name": "reward_hints",
            "variants": ["base", "control"],
            "epochs": 2,
            # `control` is a family; `control/no-hint` an id inside it: the id wins.
            "epochs_for": {"base": 5, "control": 3, "reward_hints/control/no-hint": 1},
        }
    ]
    plan = plan_sweep(_spec(tmp_path, suites=suites))
    assert plan.total_samples == 2 * (5 + 3 + 1 + 3)
    run_sweep(plan, display="none", echo=lambda _: None)
    with Store(plan.run_dir, read_only=True) as store:
        rows = store.query(
            "SELECT variant_id, count(*) AS n, max(epoch) AS last FROM samples "
            "WHERE model_id = 'ckpt-a' GROUP BY variant_id ORDER BY variant_id"
        )
    got = {r["variant_id"]: (r["n"], r["last"]) for r in rows}
    assert got == {
        "base": (5, 4),
        "control/congruent": (3, 2),
        "control/mirrored": (3, 2),
        "control/no-hint": (1, 0),
    }


@pytest.mark.parametrize(
    ("suites", "message"),
    [
        (
            [{"name": "reward_hints", "variants": ["base"], "epochs_for": {"nope": 3}}],
            "suites[0].epochs_for.nope",
        ),
        (
            [{"name": "reward_hints", "variants": ["base"], "epochs_for": {"control": 3}}],
            "matches no variant selected",
        ),
        (
            [
                {"name": "reward_hints", "variants": ["base", "control"]},
                {"name": "reward_hints", "variants": ["control/mirrored"], "epochs": 40},
            ],
            "listed more than once: reward_hints (to give some variants more samples, use "
            "`epochs_for`)",
        ),
    ],
)
def test_bad_epochs_for_is_named(tmp_path: Path, suites: list[Any], message: str) -> None:
    from cotscope.sweeps import SpecError

    with pytest.raises(SpecError, match=re.escape(message)):
        plan_sweep(_spec(tmp_path, suites=suites))


def test_epochs_for_rejects_zero(tmp_path: Path) -> None:
    from cotscope.sweeps import SpecError

    suites = [{"name": "reward_hints", "variants": ["base"], "epochs_for": {"base": 0}}]
    with pytest.raises(SpecError, match="epochs_for"):
        _spec(tmp_path, suites=suites)


def test_summary_shows_each_suites_own_outcomes(tmp_path: Path) -> None:
    from cotscope.suites import get_suite

    probe = get_suite("eval_awareness_probe").variants()[0].id
    says_80 = _outputs(["Probability: 80%"] * 50)
    spec = _spec(
        tmp_path,
        models=[{"id": "m", "model": "mockllm/model", "model_args": {"custom_outputs": says_80}}],
        suites=[
            {"name": "reward_hints", "variants": ["base"], "epochs": 2},
            {"name": "eval_awareness_probe", "variants": [probe], "epochs": 2},
        ],
    )
    run_sweep(plan_sweep(spec), display="none", echo=lambda _: None)
    table = render_summary(summarize(spec.run_dir()))
    # Suites print in name order: the probe's table comes first.
    probe_part, reward = table.split("reward_hints:")
    assert "follows instruction" in reward and "says eval" not in reward  # 80 is even
    assert "says eval" in probe_part and "follows hint" not in probe_part
    assert "100.0% [" in probe_part  # every answer said 80%: says-eval 2/2


def test_precision_adds_epochs_until_each_family_is_narrow_enough(tmp_path: Path) -> None:
    outputs = _outputs(["I pick 7.", "Answer: 12", "Nothing to say.", "Answer: 12"] * 300)
    suites = [
        {
            "name": "reward_hints",
            "variants": ["base", "control"],
            "epochs": 4,
            "precision": {"half_width": 0.2, "max_epochs": 64},
        }
    ]
    spec = _spec(
        tmp_path,
        models=[{"id": "m", "model": "mockllm/model", "model_args": {"custom_outputs": outputs}}],
        suites=suites,
        commit_every=400,
    )
    plan = plan_sweep(spec)
    assert plan.adaptive and plan.total_samples == 16
    lines: list[str] = []
    result = run_sweep(plan, display="none", echo=lines.append)
    assert result.added > 16
    assert any("precision round 1" in line for line in lines)
    with Store(spec.run_dir(), read_only=True) as store:
        rows = store.query(
            "SELECT variant_family AS f, count(*) AS n, sum((outcome = 'follows-hint')::int) AS k, "
            "sum((outcome <> 'unparseable')::int) AS parsed, count(DISTINCT epoch) AS epochs "
            "FROM samples GROUP BY 1"
        )
        epochs = store.query("SELECT variant_id, count(*) AS e FROM samples GROUP BY 1")
    from cotscope.runner._precision import half_width

    for r in rows:
        assert half_width(r["k"], r["parsed"]) <= 0.2, r
        assert r["epochs"] > 4
    control = {e["e"] for e in epochs if e["variant_id"].startswith("control/")}
    assert len(control) == 1  # a family's variants rise together
    # A re-run finds every family narrow enough and adds nothing.
    again = run_sweep(plan_sweep(spec), display="none", echo=lambda _: None)
    assert again.added == 0


def test_precision_stops_at_max_epochs_and_says_so(tmp_path: Path) -> None:
    suites = [
        {
            "name": "reward_hints",
            "variants": ["base"],
            "epochs": 2,
            "precision": {"half_width": 0.1, "max_epochs": 7},
        }
    ]
    spec = _spec(
        tmp_path,
        models=[{"id": "m", "model": "mockllm/model", "model_args": {"custom_outputs": NO_NUMBER}}],
        suites=suites,
    )
    lines: list[str] = []
    run_sweep(plan_sweep(spec), display="none", echo=lines.append)
    with Store(spec.run_dir(), read_only=True) as store:
        assert store.count() == 7  # 2, then 8 at most, capped at 7
    assert lines[-1] == (
        "m · reward_hints · base: ±100.0 points after 7 samples (0 parseable); max_epochs 7 reached"
    )


def test_precision_max_epochs_below_start_is_named(tmp_path: Path) -> None:
    from cotscope.sweeps import SpecError

    suites = [
        {
            "name": "reward_hints",
            "variants": ["base"],
            "epochs": 10,
            "precision": {"half_width": 0.1, "max_epochs": 5},
        }
    ]
    with pytest.raises(SpecError, match=re.escape("precision.max_epochs (5) is below")):
        _spec(tmp_path, suites=suites)


def test_models_of_several_training_runs_are_curves(tmp_path: Path) -> None:
    outputs = _outputs(["I pick 7.", "Answer: 12"] * 10)
    models = [
        {"id": f"{run}-{step}", "model": "mockllm/model", "step": step, "run": run,
         "model_args": {"custom_outputs": outputs}}
        for run in ("ppo", "grpo") for step in (0, 10)
    ]  # fmt: skip
    spec = _spec(tmp_path, models=models,
                 suites=[{"name": "reward_hints", "variants": ["base"], "epochs": 2}])  # fmt: skip
    run_sweep(plan_sweep(spec), display="none", echo=lambda _: None)
    from cotscope.stats import collect_stats

    with Store(spec.run_dir(), read_only=True) as store:
        stats = collect_stats(store)
    assert stats.x_axis == "step" and stats.runs == ["ppo", "grpo"]
    assert [(m.run_id, m.step) for m in stats.models] == [
        ("ppo", 0), ("ppo", 10), ("grpo", 0), ("grpo", 10),
    ]  # fmt: skip
    assert {t.run_id for t in stats.trends} == {"ppo", "grpo"}


def test_checkpoint_phases_reach_the_store_stats_and_figures(tmp_path: Path) -> None:
    from cotscope.report._figures import phase_changes
    from cotscope.stats import collect_stats
    from cotscope.store import checkpoints

    outputs = _outputs(["I pick 7.", "Answer: 12"] * 10)
    phases = {0: "cold-start", 10: "capabilities", 20: "capabilities"}
    models = [
        {"id": f"trunk-{step}", "model": "mockllm/model", "step": step, "run": "trunk",
         "phase": phase, "model_args": {"custom_outputs": outputs}}
        for step, phase in phases.items()
    ]  # fmt: skip
    spec = _spec(tmp_path, models=models,
                 suites=[{"name": "reward_hints", "variants": ["base"], "epochs": 2}])  # fmt: skip
    run_sweep(plan_sweep(spec), display="none", echo=lambda _: None)
    with Store(spec.run_dir(), read_only=True) as store:
        assert {c.step: c.phase for c in checkpoints(store)} == phases
        stats = collect_stats(store)
    assert [m.phase for m in stats.models] == ["cold-start", "capabilities", "capabilities"]
    # The run enters `capabilities` at step 10; a phase that goes on draws no new line.
    assert phase_changes(stats) == [(10.0, "capabilities")]
    # Trend and change point within each phase: `capabilities` holds two checkpoints.
    rows = {p.phase: p for p in stats.phases if p.suite == "reward_hints"}
    assert set(rows) == {"cold-start", "capabilities"}
    assert (rows["capabilities"].first_step, rows["capabilities"].checkpoints) == (10, 2)
    assert rows["cold-start"].trend.note == "a single checkpoint"
