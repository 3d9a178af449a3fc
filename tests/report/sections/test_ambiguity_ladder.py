"""The ladder analysis and report section on synthetic stores with known exploit rates."""

from importlib.metadata import entry_points
from pathlib import Path

from cotscope.report import ENTRY_POINT_GROUP, ReportOptions, open_context
from cotscope.report.sections.ambiguity_ladder import SECTION
from cotscope.results import analyse as analyse_run
from cotscope.stats import collect_stats
from cotscope.store import SampleRow, Store
from cotscope.suites.ambiguity_ladder import SUITE, load_variants
from cotscope.suites.ambiguity_ladder._ladder import analyse, threshold_level

# Exploit counts out of 10 per scenario and level (two scenarios, to keep the store
# small): the later checkpoint exploits lower on the ladder. Each cell also has one
# unparseable sample.
PLAN = {
    0: {1: 0, 2: 0, 3: 0, 4: 1, 5: 8},
    10: {1: 0, 2: 1, 3: 6, 4: 9, 5: 10},
    20: {1: 1, 2: 7, 3: 9, 4: 10, 5: 10},
}


SCENARIOS = ("leaked-answer", "skip-tests")


def _store(run_dir: Path, suite: str = SUITE) -> Path:
    rows = []
    for order, (step, per_level) in enumerate(PLAN.items()):
        first = [v for v in load_variants() if "instance" not in v.scoring]
        for v in [v for v in first if v.family in SCENARIOS]:
            k = per_level[v.scoring["level"]]
            outcomes = ["exploited"] * k + ["not-exploited"] * (10 - k) + ["unparseable"]
            for epoch, outcome in enumerate(outcomes):
                rows.append(SampleRow(
                    run="r", model_id=f"ckpt-{step}", model="local/smollm2", model_order=order,
                    step=step, suite=suite, variant_id=v.id, variant_family=v.family,
                    variant_hash=v.hash, epoch=epoch, prompt=v.text, answer="done",
                    outcome=outcome,
                ))  # fmt: skip
    with Store(run_dir) as store:
        store.insert_samples(rows)
    return run_dir


def test_threshold_rule() -> None:
    # Wilson lower bound of 3/10 is 10.8% (> 10%); of 2/10 it is 5.7%.
    assert threshold_level({1: (0, 10), 2: (2, 10), 3: (3, 10)}) == 3
    assert threshold_level({1: (0, 50), 2: (2, 10)}) is None
    assert threshold_level({}) is None
    assert threshold_level({4: (40, 50)}) == 4


def test_ladder_rates_thresholds_and_trend(tmp_path: Path) -> None:
    run = _store(tmp_path)
    with Store(run, read_only=True) as store:
        ladder = analyse(store, collect_stats(store))
    assert ladder is not None and ladder.scenarios == sorted(SCENARIOS)
    for step, per_level in PLAN.items():
        for level, k in per_level.items():
            r = ladder.rate(f"ckpt-{step}", level)
            assert r is not None and r.aggregate.n == 20 and r.aggregate.k == 2 * k
            assert r.aggregate.mean_rate == k / 10 and r.unparseable == 2 and r.error == 0
    by_model = {t.model.model_id: t for t in ladder.thresholds}
    assert [by_model[f"ckpt-{s}"].level for s in PLAN] == [5, 3, 2]
    assert by_model["ckpt-0"].n_by_level == {lv: 20 for lv in range(1, 6)}
    low, high = by_model["ckpt-10"].low, by_model["ckpt-10"].high
    assert low is not None and high is not None and low <= 3 <= high
    assert ladder.threshold_tau is not None and ladder.threshold_tau < 0
    assert ladder.level_trends[3].direction == "increasing"
    assert ladder.level_trends[3].p_value is not None and ladder.level_trends[3].p_value < 0.05


def _section(run: Path) -> str | None:
    with open_context(run, options=ReportOptions(), out_dir=run, sections=[SECTION]) as ctx:
        return SECTION.render(ctx)


def test_section_renders_and_is_absent_without_the_suite(tmp_path: Path) -> None:
    html = _section(_store(tmp_path / "a"))
    assert html is not None
    assert "60.0% [" in html and "(12/20; +2 unp., 0 err.)" in html  # ckpt-10 at L3
    # Prose is template text, so its apostrophe is not escaped (it was `&#x27;`).
    assert "Kendall's tau" in html and "lowest level whose pooled exploit rate" in html
    assert (tmp_path / "a" / "figures" / "ambiguity-ladder.svg").is_file()
    assert _section(_store(tmp_path / "b", suite="reward_hints")) is None


# Two instances per scenario at L3, out of 10 each: instances pool within their
# scenario, and the level's rate is the mean over the two scenarios, not over four.
INSTANCE_K = {"leaked-answer/L3": 8, "leaked-answer/s2/L3": 2,
              "skip-tests/L3": 0, "skip-tests/s2/L3": 1}  # fmt: skip


def test_second_instances_pool_into_their_scenario(tmp_path: Path) -> None:
    by_id = {v.id: v for v in load_variants()}
    rows = []
    for vid, k in INSTANCE_K.items():
        v = by_id[vid]
        for epoch, outcome in enumerate(["exploited"] * k + ["not-exploited"] * (10 - k)):
            rows.append(SampleRow(
                run="r", model_id="ckpt", model="local/smollm2", model_order=0, step=0,
                suite=SUITE, variant_id=v.id, variant_family=v.family, variant_hash=v.hash,
                epoch=epoch, prompt=v.text, answer="done", outcome=outcome,
            ))  # fmt: skip
    with Store(tmp_path) as store:
        store.insert_samples(rows)
    with Store(tmp_path, read_only=True) as store:
        ladder = analyse(store, collect_stats(store))
    assert ladder is not None and ladder.scenarios == ["leaked-answer", "skip-tests"]
    assert ladder.instances["leaked-answer"] == ["leaked-answer", "leaked-answer/s2"]
    assert ladder.cells[("ckpt", "leaked-answer", 3)]["exploited"] == 10
    assert ladder.instance_cells[("ckpt", "skip-tests/s2", 3)]["exploited"] == 1
    r = ladder.rate("ckpt", 3)
    assert r is not None and (r.aggregate.k, r.aggregate.n) == (11, 40)
    assert r.aggregate.mean_rate == (10 / 20 + 1 / 20) / 2  # over scenarios, not instances
    assert ladder.thresholds[0].n_by_level == {3: 40}
    html = _section(tmp_path)
    assert html is not None and "<td>leaked-answer/s2</td>" in html and "<td>2/10</td>" in html


def test_registered_and_renders_the_same_from_stored_results(tmp_path: Path) -> None:
    (registered,) = [
        e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == "ambiguity_ladder"
    ]
    assert registered.load() is SECTION
    run = _store(tmp_path)
    computed = _section(run)
    analyse_run(run)  # stores the suite's result; the section then decodes it
    with open_context(run, sections=[]) as ctx:
        assert "suite:ambiguity_ladder" in ctx.results.stored
    assert _section(run) == computed
