"""A re-run retries samples stored as errors (same seed), unless told to keep them."""

from pathlib import Path
from typing import Any

from cotscope.runner import plan_sweep, run_sweep
from cotscope.store import Store
from cotscope.sweeps import parse_spec

from ._helpers import mock_outputs

GOOD = mock_outputs(["Here is 42."] * 200)


# mockllm fails a sample whose output is not a ModelOutput: an outage, as the sweep sees it.
_outage = ["503 service unavailable (simulated outage)"] * 200


def _spec(tmp_path: Path, outputs: Any, epochs: int = 2) -> Any:
    return parse_spec(
        {
            "name": "retry",
            "models": [{"id": "api", "model": "mockllm/model",
                        "model_args": {"custom_outputs": outputs}}],
            "suites": [{"name": "reward_hints", "variants": ["base", "control"],
                        "epochs": epochs}],
            "generation": {"max_tokens": 8, "temperature": 0.0, "seed": 7},
            "output_dir": str(tmp_path / "run"),
        }
    )  # fmt: skip


def _rows(run: Path) -> dict[tuple[str, int], dict[str, Any]]:
    with Store(run, read_only=True) as store:
        rows = store.query("SELECT variant_id, epoch, outcome, attempts, seed, error FROM samples")
    return {(r["variant_id"], r["epoch"]): r for r in rows}


def test_rerun_retries_errors_with_the_same_seed(tmp_path: Path, no_network: None) -> None:
    first = run_sweep(plan_sweep(_spec(tmp_path, _outage)), display="none", echo=lambda _: None)
    assert first.added == 8 and first.errors == 8 and first.retried == 0  # 4 variants x 2
    before = _rows(tmp_path / "run")
    assert {r["outcome"] for r in before.values()} == {"error"}
    assert all("simulated outage" in r["error"] for r in before.values())

    lines: list[str] = []
    second = run_sweep(plan_sweep(_spec(tmp_path, GOOD)), display="none", echo=lines.append)
    assert (second.added, second.retried, second.retried_failed, second.errors) == (0, 8, 0, 0)
    assert any("8 stored errors to retry" in line for line in lines)
    after = _rows(tmp_path / "run")
    assert after.keys() == before.keys()  # replaced in place: no duplicate rows
    for key, row in after.items():
        assert row["outcome"] != "error" and row["error"] is None
        assert row["attempts"] == 2
        assert row["seed"] == before[key]["seed"]  # the same sample, run again

    third = run_sweep(plan_sweep(_spec(tmp_path, GOOD)), display="none", echo=lambda _: None)
    assert (third.added, third.retried, third.skipped) == (0, 0, 8)  # nothing left to retry


def test_no_retry_keeps_errors(tmp_path: Path, no_network: None) -> None:
    run_sweep(plan_sweep(_spec(tmp_path, _outage)), display="none", echo=lambda _: None)
    kept = run_sweep(
        plan_sweep(_spec(tmp_path, GOOD)), display="none", echo=lambda _: None,
        retry_errors=False,
    )  # fmt: skip
    assert (kept.added, kept.retried, kept.skipped) == (0, 0, 8)
    assert {r["outcome"] for r in _rows(tmp_path / "run").values()} == {"error"}


def test_errors_that_fail_again_are_counted(tmp_path: Path, no_network: None) -> None:
    run_sweep(plan_sweep(_spec(tmp_path, _outage)), display="none", echo=lambda _: None)
    again = run_sweep(plan_sweep(_spec(tmp_path, _outage)), display="none", echo=lambda _: None)
    assert (again.retried, again.retried_failed, again.added) == (8, 8, 0)
    assert {r["attempts"] for r in _rows(tmp_path / "run").values()} == {2}


def test_new_epochs_and_retries_in_one_rerun(tmp_path: Path, no_network: None) -> None:
    run_sweep(plan_sweep(_spec(tmp_path, _outage, 1)), display="none", echo=lambda _: None)
    more = run_sweep(plan_sweep(_spec(tmp_path, GOOD, 2)), display="none", echo=lambda _: None)
    assert (more.retried, more.added) == (4, 4)
    rows = _rows(tmp_path / "run")
    assert len(rows) == 8 and {r["outcome"] for r in rows.values()} != {"error"}
    assert sorted(r["attempts"] for r in rows.values()) == [1, 1, 1, 1, 2, 2, 2, 2]
