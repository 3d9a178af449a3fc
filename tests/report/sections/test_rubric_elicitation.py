"""The rubric-elicitation section, with lexical outcomes and judge grades of the answer."""

import json
from importlib.metadata import entry_points
from pathlib import Path

from inspect_ai.model import ModelOutput, ModelUsage

from cotscope.graders import JudgeSpec, get_rubric, grade_run, read_grades
from cotscope.report import ENTRY_POINT_GROUP, ReportOptions, open_context
from cotscope.report.sections.rubric_elicitation import SECTION
from cotscope.results import analyse as analyse_run
from cotscope.stats import collect_stats
from cotscope.store import SampleRow, Store
from cotscope.suites.rubric_elicitation import SUITE, classify_rubric, load_variants
from cotscope.suites.rubric_elicitation._analysis import analyse

ALIGN = "1. Honesty: answers truthfully.\n2. No sandbagging.\n3. Transparent about the memo."
CAPAB = "1. Correct answers count.\n2. Speed of solving.\n3. Clever shortcuts earn a bonus."


def _store(run_dir: Path, suite: str = SUITE) -> Path:
    variants = [v for v in load_variants() if v.scoring["ask"] == "designer"][:4]
    rows = []
    for order, step in enumerate((0, 10)):
        for v in variants:
            for epoch in range(4):
                # Step 0 writes alignment rubrics; step 10 mostly capability ones; one blank.
                text = ALIGN if step == 0 or epoch == 0 else CAPAB
                text = "" if (step, epoch) == (10, 3) and v is variants[0] else text
                rows.append(SampleRow(
                    run="r", model_id=f"ckpt-{step}", model="local/smollm2", model_order=order,
                    step=step, suite=suite, variant_id=v.id, variant_family=v.family,
                    variant_hash=v.hash, epoch=epoch, prompt=v.text, reasoning="", answer=text,
                    outcome=classify_rubric(text).outcome,
                ))  # fmt: skip
    with Store(run_dir) as store:
        store.insert_samples(rows)
    return run_dir


def _judge(messages: list, tools: object, tool_choice: object, config: object) -> ModelOutput:
    text = messages[-1].text
    assert "<answer>" in text and "<reasoning" not in text and "<final_answer>" not in text
    if "<answer>\n\n</answer>" in text:
        raise AssertionError("an empty answer must not be sent to the judge")
    label, quote = ("alignment", "No sandbagging.") if "Honesty" in text else (
        "capability", "Speed of solving.")  # fmt: skip
    out = ModelOutput.from_content(
        "mockllm/model", json.dumps({"label": label, "justification": "j", "evidence": [quote]})
    )
    out.usage = ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15)
    return out


def _section(run_dir: Path) -> str | None:
    options = ReportOptions(figures=True)
    with open_context(run_dir, options=options, out_dir=run_dir, sections=[SECTION]) as ctx:
        return SECTION.render(ctx)


def test_judge_grades_the_answer_and_report_shows_both(tmp_path: Path, no_network: None) -> None:
    run = _store(tmp_path)
    rubric = get_rubric("rubric-focus")
    spec = JudgeSpec("mockllm/model", max_tokens=64, model_args={"custom_outputs": _judge})
    summary = grade_run(run, rubric, [spec])
    # Samples have no reasoning; the answer is what is graded (the blank answer is not).
    assert summary.samples == 32 and summary.without_reasoning == 1
    (j,) = summary.judges
    assert (j.graded, j.positive) == (31, 11)
    with Store(run, read_only=True) as store:
        grades = read_grades(store)
        answers = {r["sample_uid"]: r["answer"] for r in store.query("SELECT * FROM samples")}
    assert all(e["verified"] for g in grades for e in g.evidence)
    for g in grades:
        e = g.evidence[0]
        assert answers[g.sample_uid][e["start"] : e["end"]] == e["quote"]

    with Store(run, read_only=True) as store:
        a = analyse(store, collect_stats(store))
    assert a is not None and len(a.environments) == 4
    lex0, lex10 = a.lexical.rate("ckpt-0"), a.lexical.rate("ckpt-10")
    assert lex0 is not None and lex10 is not None
    assert lex0.aggregate.mean_rate == 0.0 and lex0.aggregate.n == 16
    # 3 of 4 capability in three environments, 2 of 3 in the one with the blank answer.
    assert lex10.aggregate.k == 11 and lex10.aggregate.n == 15
    assert lex10.excluded == {"unparseable": 1}
    assert abs((lex10.aggregate.mean_rate or 0) - (3 * 0.75 + 2 / 3) / 4) < 1e-9
    assert lex10.aggregate.ci_method == "bootstrap-variants"
    (judged,) = a.judges
    assert judged.source == spec.key
    jr = judged.rate("ckpt-10")
    assert jr is not None and (jr.aggregate.k, jr.aggregate.n) == (11, 15)
    assert a.lexical.trend.p_value is not None and a.lexical.trend.direction == "increasing"

    html = _section(run)
    assert html is not None
    assert f"capability-centred ({spec.key})" in html
    assert "Per environment" in html and "quiz-unlearning" in html
    assert "held-out, written after the lexicon was frozen (n=25): 16/25 correct" in html
    assert "not strictly held out) (n=16): 8/16 correct" in html
    assert (run / "figures" / "rubric-elicitation-capability.svg").is_file()


def test_section_is_absent_without_the_suite(tmp_path: Path) -> None:
    run = _store(tmp_path, suite="reward_hints")
    assert _section(run) is None


def test_section_says_how_to_add_judge_grades(tmp_path: Path) -> None:
    html = _section(_store(tmp_path))
    assert html is not None and "--grader rubric-focus" in html


def test_registered_and_renders_the_same_from_stored_results(tmp_path: Path) -> None:
    (registered,) = [
        e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == "rubric_elicitation"
    ]
    assert registered.load() is SECTION
    run = _store(tmp_path)
    computed = _section(run)
    analyse_run(run)  # stores the suite's result; the section then decodes it
    with open_context(run, sections=[]) as ctx:
        assert "suite:rubric_elicitation" in ctx.results.stored
    assert _section(run) == computed
