"""collect_stats on small stores: outcome semantics, boolean and arbitrary labels, variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from cotscope.stats import StatsError, collect_stats, compare_models
from cotscope.store import SampleRow, Store


def _row(run: str, model: str, variant: str, epoch: int, outcome: str, **kw: object) -> SampleRow:
    fields: dict[str, object] = dict(
        run=run, model_id=model, model="m", suite="s", variant_id=variant,
        variant_family="fam", variant_hash=kw.pop("vh", "h"), epoch=epoch, prompt="p",
        outcome=outcome,
    )  # fmt: skip
    fields.update(kw)
    return SampleRow.model_validate(fields)


def _store(tmp_path: Path, rows: list[SampleRow]) -> Store:
    with Store(tmp_path / "run") as store:
        store.insert_samples(rows)
    return Store(tmp_path / "run", read_only=True)


def test_unparseable_and_error_are_counted_beside_never_in_n(tmp_path: Path) -> None:
    outcomes = ["follows-hint"] * 3 + ["follows-instruction"] * 5
    outcomes += ["other", "unparseable", "unparseable", "error"]
    store = _store(tmp_path, [_row("r", "a", "v", e, o, step=0) for e, o in enumerate(outcomes)])
    stats = collect_stats(store)
    assert stats.measures == {"s": ["follows-hint", "follows-instruction", "other"]}
    row = next(r for r in stats.rates if r.level == "variant" and r.measure == "follows-hint")
    assert (row.k, row.n, row.unparseable, row.error, row.total) == (3, 9, 2, 1, 12)
    assert row.rate == pytest.approx(3 / 9)


def test_boolean_outcomes_and_no_data(tmp_path: Path) -> None:
    rows = [_row("r", "a", "v", e, o, label="A") for e, o in enumerate(["true", "False", "TRUE"])]
    rows += [_row("r", "b", "v", e, "error", label="B", model_order=1) for e in range(2)]
    stats = collect_stats(_store(tmp_path, rows))
    assert stats.x_axis == "model_order" and stats.measures == {"s": ["true"]}
    by_model = {r.model_id: r for r in stats.rates if r.level == "variant"}
    assert (by_model["a"].k, by_model["a"].n) == (2, 3)
    assert by_model["b"].n == 0 and by_model["b"].rate is None and by_model["b"].ci_low is None
    assert by_model["b"].mde is None and by_model["b"].error == 2


def test_arbitrary_labels_and_changed_variant_text(tmp_path: Path) -> None:
    rows = [_row("r", "a", "v", e, o, step=0) for e, o in enumerate(["refused", "complied", "x"])]
    rows += [_row("r", "a", "v", e, "complied", step=0, vh="h2") for e in range(2)]
    stats = collect_stats(_store(tmp_path, rows))
    assert stats.measures == {"s": ["complied", "refused", "x"]}
    assert sorted(v.name for v in stats.variants) == ["v@h", "v@h2"]


def test_runs_and_models_must_exist(tmp_path: Path) -> None:
    rows = [_row("r1", "a", "v", 0, "true"), _row("r2", "a", "v", 0, "false")]
    store = _store(tmp_path, rows)
    with pytest.raises(StatsError, match="several runs"):
        collect_stats(store)
    assert collect_stats(store, "r2").run == "r2"
    with pytest.raises(StatsError, match="no run 'r3'"):
        collect_stats(store, "r3")
    with pytest.raises(StatsError, match="no model 'zz'"):
        compare_models(store, "a", "zz", run="r1")


def test_compare_is_unpaired_without_shared_prompts(tmp_path: Path) -> None:
    rows = [_row("r", "a", "v1", e, "true" if e < 2 else "false", step=0) for e in range(10)]
    rows += [_row("r", "b", "v2", e, "true" if e < 8 else "false", step=1) for e in range(10)]
    comp = compare_models(_store(tmp_path, rows), "a", "b")[0].comparison
    assert comp.design == "unpaired" and (comp.k_a, comp.n_a, comp.k_b, comp.n_b) == (2, 10, 8, 10)
    assert comp.difference == pytest.approx(0.6)


def test_models_without_distinct_steps_sit_at_their_rank(tmp_path: Path) -> None:
    rows = [_row("r", m, "v", e, "true" if e < i else "false", step=0)
            for i, m in enumerate(["c", "a", "b"]) for e in range(4)]  # fmt: skip
    stats = collect_stats(_store(tmp_path, rows))
    assert stats.x_axis == "model_order"
    assert [(m.model_id, m.x) for m in stats.models] == [("a", 0.0), ("b", 1.0), ("c", 2.0)]
    assert all(t.result.n_levels == 3 for t in stats.trends)


def _mix_rows(counts: dict[tuple[int, str], tuple[int, int]]) -> list[SampleRow]:
    """Rows from {(step, variant): (k, n)} with boolean outcomes."""
    rows = []
    for (step, variant), (k, n) in counts.items():
        for e in range(n):
            rows.append(_row("r", f"ckpt-{step}", variant, e, "true" if e < k else "false",
                             step=step, model_order=step))  # fmt: skip
    return rows


def test_change_point_refused_when_the_variant_mix_shifts(tmp_path: Path) -> None:
    # Neither variant changes; only their proportions do (90% easy at step 0, 90% hard later).
    rows = _mix_rows({(0, "easy"): (9, 90), (0, "hard"): (9, 10),
                      (1, "easy"): (1, 10), (1, "hard"): (81, 90)})  # fmt: skip
    stats = collect_stats(_store(tmp_path, rows))
    (row,) = [c for c in stats.changes if c.family is None]
    assert row.change is None and row.note and "mix of variants" in row.note
    assert stats.to_json()["change_points"][0]["note"] == row.note


def test_change_point_given_for_a_stable_mix(tmp_path: Path) -> None:
    counts = {(s, v): (2 if s < 3 else 9, 10) for s in range(6) for v in ("a", "b")}
    stats = collect_stats(_store(tmp_path, _mix_rows(counts)))
    (row,) = [c for c in stats.changes if c.family is None]
    assert row.note is None and row.change is not None
    assert (row.change.before.last_step, row.change.after.first_step) == (2, 3)
    assert row.change.p_value < 0.01
