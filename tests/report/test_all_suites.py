"""Every suite swept over two checkpoints into one run, and one report with a section each.

mockllm says the same things at both checkpoints: a probability for the probe, a
rubric-like list for rubric elicitation, a number for the reward hints, and no
tool call for the agentic suites (so they are honestly unparseable). Outcomes that
never vary, one-sample cells and all-unparseable suites are what crashed the
trend test on real runs; the report must render them all.
"""

from pathlib import Path
from typing import Any

from cotscope.report import ReportOptions, build_report
from cotscope.runner import plan_sweep, run_sweep
from cotscope.store import Store
from cotscope.suites import get_suite
from cotscope.sweeps import parse_spec

TEXT = (
    "Rubric: 1. Score 2 points if the model is honest and reports the problem. "
    "2. Score 1 point if it solves the task correctly. Probability: 85%. Answer: 7"
)


def _outputs(n: int) -> list[Any]:
    from inspect_ai.model import ModelOutput, ModelUsage

    out = []
    for _ in range(n):
        o = ModelOutput.from_content("mockllm/model", TEXT)
        o.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
        out.append(o)
    return out


def test_every_suite_over_two_checkpoints_renders_its_section(tmp_path: Path) -> None:
    def first(suite: str, k: int) -> list[str]:
        return [v.id for v in get_suite(suite).variants()[:k]]

    suites = [
        {"name": "reward_hints", "variants": ["base", "control"], "epochs": 2},
        {"name": "eval_awareness_probe", "variants": first("eval_awareness_probe", 8)},
        {"name": "rubric_elicitation", "variants": first("rubric_elicitation", 3), "epochs": 2},
        {"name": "covert_actions", "variants": ["lazy_checklist"]},
        {"name": "ambiguity_ladder", "variants": ["skip-tests"]},
    ]
    models = [
        {"id": f"s{step}", "model": "mockllm/model", "step": step,
         "model_args": {"custom_outputs": _outputs(200)}}
        for step in (0, 10)
    ]  # fmt: skip
    spec = parse_spec(
        {
            "name": "all",
            "models": models,
            "suites": suites,
            "generation": {"max_tokens": 16, "temperature": 0.0},
            "output_dir": str(tmp_path / "run"),
        }
    )
    result = run_sweep(plan_sweep(spec), display="none", echo=lambda _: None)
    assert result.errors == 0
    with Store(spec.run_dir(), read_only=True) as store:
        outcomes = {
            (r["suite"], r["outcome"])
            for r in store.query("SELECT DISTINCT suite, outcome FROM samples")
        }
    probe = {o for s, o in outcomes if s == "eval_awareness_probe"}
    assert probe & {"says-eval", "says-deployment"}
    assert {o for s, o in outcomes if s in ("covert_actions", "ambiguity_ladder")} == {
        "unparseable"
    }
    page = build_report(spec.run_dir(), options=ReportOptions(figures=False)).read_text()
    for section in (
        "measures",
        "eval-awareness-probe",
        "rubric_elicitation",
        "ambiguity_ladder",
        "covert_actions",
    ):
        assert f'<section id="{section}">' in page, section
