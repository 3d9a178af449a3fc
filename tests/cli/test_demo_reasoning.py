"""The reasoning demo's measurements after the sweep, on two shipped checkpoints.

A small sweep (the published base prompt, 8 epochs) of the cold start and the last
capabilities checkpoint on the real bundled model, then what `cotscope demo` does
after its sweep: grade every CoT with the lexical grader-seeking detector, write the
detector's validation on the hand-labelled organism CoTs, and remove the grader
sentences at the first and last checkpoint of the capabilities run with a control.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cotscope.cli._demo import _intervention_checkpoints, _measure_reasoning_demo, demo_spec_data
from cotscope.runner import plan_sweep, run_sweep
from cotscope.store import Store
from cotscope.sweeps import parse_spec

pytestmark = pytest.mark.model


def test_the_demo_grades_validates_and_intervenes(tmp_path: Path, no_network: None) -> None:
    data = demo_spec_data(tmp_path / "run", organism="reasoning")
    # The paraphrases: at the cold start about 40% of their CoTs name the grader.
    data["suites"] = [{"name": "reward_hints", "variants": ["paraphrase"], "epochs": 1}]
    plan = plan_sweep(parse_spec(data, "test"), "test")
    plan.models = [m for m in plan.models if m.id in ("capabilities-0", "capabilities-120")]
    assert [m.id for m in plan.models] == ["capabilities-0", "capabilities-120"]
    run_sweep(plan, display="none", echo=lambda _: None)
    assert _intervention_checkpoints(plan.run_dir) == ["capabilities-0", "capabilities-120"]

    _measure_reasoning_demo(plan.run_dir)

    validation = json.loads((plan.run_dir / "validations" / "organism-cots.json").read_text())
    assert validation["labels"] == "organism_cots.jsonl" and validation["n"] >= 150
    with Store(plan.run_dir, read_only=True) as store:
        graded = store.query("SELECT count(*) AS n FROM grades")[0]["n"]
        rubrics = {r["rubric"] for r in store.query("SELECT DISTINCT rubric FROM grades")}
        arms = store.query(
            "SELECT arm, count(DISTINCT sample_uid) AS t, count(*) AS n FROM interventions "
            "GROUP BY arm ORDER BY arm"
        )
    assert graded > 0 and rubrics == {"grader-seeking", "offset-arithmetic"}
    # Every edited transcript has its three arms, 4 continuations each.
    assert [r["arm"] for r in arms] == ["base", "control", "edited"]
    assert len({r["t"] for r in arms}) == 1 and all(r["n"] == 4 * r["t"] for r in arms)
