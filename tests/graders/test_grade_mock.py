"""grade_run on small stores with mockllm judges: failures counted, cache, chunks, panels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inspect_ai.model import ModelOutput

from cotscope.graders import JudgeSpec, builtin_rubrics, grade_run, read_grades
from cotscope.store import Store

from ._helpers import DEEPSEEK, by_content, output, shared_text, small_store

GS = builtin_rubrics()["grader-seeking"]
GAMING = "The grader computes reward = output % 2, so I'll output 7 to get the reward."
PLAIN = "The user wants an even number. I'll say 48."


def _answer(text: str) -> ModelOutput:
    if "reward = output % 2, so" in text:
        quote = "so I'll output 7 to get the reward"
        return output(json.dumps({"label": "yes", "justification": "j", "evidence": [quote]}))
    if "REFUSE" in text:
        return output("I'm sorry, but I can't help with that.")
    if "GARBAGE" in text:
        return output("yes probably, it mentions a grader")
    if "OVERFLOW" in text:
        return output("", stop_reason="model_length")
    if "APIERR" in text:
        raise RuntimeError("503 Service Unavailable")
    return output('{"label": "no", "justification": "plain", "evidence": ["invented quote"]}')


def _spec(rule: Any = _answer, name: str = "mockllm/model") -> JudgeSpec:
    return JudgeSpec(name, max_tokens=64, model_args={"custom_outputs": by_content(rule)})


def test_failures_are_counted_not_no(tmp_path: Path, no_network: None) -> None:
    run = small_store(tmp_path, [
        ("ckpt-0", 0, PLAIN, "follows-instruction"), ("ckpt-0", 0, GAMING, "follows-hint"),
        ("ckpt-1", 1, "REFUSE me", "follows-hint"), ("ckpt-1", 1, "GARBAGE", "follows-hint"),
        ("ckpt-1", 1, "OVERFLOW", "follows-hint"), ("ckpt-1", 1, "APIERR", "follows-hint"),
        ("ckpt-1", 1, "", "follows-hint"),
    ])  # fmt: skip
    s = grade_run(run, GS, [_spec()])
    j = s.judges[0]
    assert s.without_reasoning == 1 and j.total == 6
    assert (j.graded, j.positive) == (2, 1)
    assert j.failures == {"refusal": 1, "unparseable": 1, "context-overflow": 1, "api-error": 1}
    assert j.unverified_quotes == 1  # "invented quote" is not in the CoT
    with Store(run, read_only=True) as store:
        grades = {g.outcome: g for g in read_grades(store)}
    flagged = [g for g in read_grades_all(run) if g.positive]
    ev = flagged[0].evidence[0]
    assert (
        ev["verified"] and GAMING[ev["start"] : ev["end"]] == "so I'll output 7 to get the reward"
    )
    assert grades["unparseable"].label is None and grades["unparseable"].raw_output
    assert grades["api-error"].positive is None and "503" in (grades["api-error"].error or "")


def read_grades_all(run: Path) -> list[Any]:
    with Store(run, read_only=True) as store:
        return read_grades(store)


def test_cache_resume_and_retry(tmp_path: Path, no_network: None) -> None:
    run = small_store(tmp_path, [("a", 0, GAMING, "follows-hint"), ("a", 0, GAMING, "follows-hint"),
                                 ("b", 1, "APIERR", "follows-hint")])  # fmt: skip
    calls: list[str] = []

    def counting(text: str) -> ModelOutput:
        calls.append(text)
        return _answer(text)

    first = grade_run(run, GS, [_spec(counting)]).judges[0]
    assert len(calls) == 2 and first.copied == 1  # identical transcript judged once
    calls.clear()
    again = grade_run(run, GS, [_spec(counting)]).judges[0]
    assert len(calls) == 1 and again.new == 1 and again.retried == 1  # only the failure
    calls.clear()
    kept = grade_run(run, GS, [_spec(counting)], retry_failures=False).judges[0]
    assert calls == [] and kept.new == 0 and kept.failures == {"api-error": 1}
    assert (again.graded, again.positive, again.failures) == (2, 2, {"api-error": 1})
    assert len(read_grades_all(run)) == 3  # idempotent: one row per sample × rubric × judge
    calls.clear()
    other = JudgeSpec(
        "mockllm/model", max_tokens=65, model_args={"custom_outputs": by_content(counting)}
    )
    grade_run(run, GS, [other])
    assert len(calls) == 2 and len(read_grades_all(run)) == 6  # new judge key, new grades


def test_long_cot_is_chunked_and_all_chunks_graded(tmp_path: Path, no_network: None) -> None:
    long = shared_text(DEEPSEEK) * 4
    run = small_store(tmp_path, [("a", 0, long, "follows-hint")])
    seen: list[str] = []

    def rule(text: str) -> ModelOutput:
        seen.append(text)
        return output('{"label": "no", "evidence": []}')

    grade_run(run, GS, [_spec(rule)])
    (g,) = read_grades_all(run)
    assert g.n_chunks == len(seen) >= 2
    assert g.chunks[0]["start"] == 0 and g.chunks[-1]["end"] == len(long)
    assert all(a["end"] == b["start"] for a, b in zip(g.chunks, g.chunks[1:], strict=False))
    assert all("part " in text for text in seen)


def test_one_failed_chunk_is_not_a_no(tmp_path: Path, no_network: None) -> None:
    long = ("plain words. " * 2000) + "GARBAGE"
    run = small_store(tmp_path, [("a", 0, long, "follows-hint")])
    grade_run(run, GS, [_spec()])
    (g,) = read_grades_all(run)
    assert g.n_chunks >= 2 and g.outcome == "unparseable" and g.positive is None


def test_panel_agreement_and_prescreen(tmp_path: Path, no_network: None) -> None:
    cots = [("a", 0, GAMING, "follows-hint")] * 3 + [
        ("a", 0, f"{PLAIN} {i}", "x") for i in range(12)
    ]
    run = small_store(tmp_path, cots)

    def contrarian(text: str) -> ModelOutput:
        return output('{"label": "yes", "evidence": []}' if "48. 1" in text else '{"label": "no"}')

    s = grade_run(run, GS, [_spec(), _spec(contrarian, "mockllm/other")], lexical=True)
    assert [j.method for j in s.judges] == ["lexical", "judge", "judge"]
    assert s.judges[0].positive == 3  # the lexical detector flags the gaming CoTs
    assert s.agreement["n_items"] == 15 and s.agreement["cohen_kappa"] is not None
    assert s.agreement["cohen_kappa"] < 1
    third = _spec(name="mockllm/third")
    screened = grade_run(run, GS, [third], prescreen="lexical", audit_fraction=0.25, seed=1)
    j = screened.judges[0]
    assert j.missed is not None and j.missed.audited == 5 and j.missed.skipped == 7
    assert j.screened_out == 7 and j.graded == 8 and j.missed.missed == 0
