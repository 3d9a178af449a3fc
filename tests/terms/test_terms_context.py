"""KWIC lines from real transcripts, and the judge hook for outside-scenario uses."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _terms_data import build_store, odd_number_trace, thought_branches
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PLANT
from cotscope.store import Store
from cotscope.terms import (
    KwicLine,
    TermsOptions,
    analyse_terms,
    count_reasoning,
    judge_outside_scenario,
    tokenize,
)
from cotscope.terms._context import ContextCollector, _pattern, collect_context, find_use
from cotscope.terms._counts import CotShapes, read_rows


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [r["reasoning_text"] for r in thought_branches()[:20]]
    return build_store(
        tmp_path_factory.mktemp("real"), [(0, texts), (100, [odd_number_trace()] * 3 + texts[:5])]
    )


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_kwic_lines_quote_real_transcripts(real_run: Path) -> None:
    options = TermsOptions(track=[["reward"], ["grader"]], kwic=4)
    with Store(real_run, read_only=True) as store:
        result = analyse_terms(store, options)
        stored = {r["sample_uid"]: r["reasoning"] for r in store.query("SELECT * FROM samples")}
    reward = result.suites[0].tracked[0]
    assert reward.kwic, "the odd-number trace reasons about its reward"
    for line in reward.kwic:
        assert line.keyword.lower() in {"reward", "rewards"}
        assert _squash(line.left + line.keyword + line.right) in _squash(stored[line.sample_uid])
    assert len({line.sample_uid for line in reward.kwic}) == len(reward.kwic)  # one per CoT
    assert reward.kwic[0].step == 100  # latest checkpoint first
    with Store(real_run, read_only=True) as store:
        again = analyse_terms(store, options)
    assert again.suites[0].tracked[0].kwic == reward.kwic  # deterministic sample


def test_find_use_skips_false_matches() -> None:
    forms = ("x",)
    text = "see x.com and x's; also x"
    assert find_use(text, forms, _pattern(forms), 10) == ("x's; also ", "x", "")
    forms = ("grader",)
    use = find_use("the grader's view, then the Grader", forms, _pattern(forms), 8)
    assert use == ("hen the ", "Grader", "")
    forms = ("grader's",)
    use = find_use("the grader’s view", forms, _pattern(forms), 8)
    assert use is not None and use[1] == "grader’s"


class _Judge:
    name = "stand-in judge"

    async def __call__(self, term: str, line: KwicLine) -> str | None:
        context = (line.left + line.right).lower()
        if "fail" in context:
            raise RuntimeError("judge crashed")
        if "unsure" in context:
            return None
        return "outside" if "grader" in context or "metadata" in context else "inside"


def test_judge_hook_counts_outside_inside_and_failed(real_run: Path) -> None:
    with Store(real_run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(track=[["reward"]], kwic=5))
    assert result.outside_scenario_status.startswith("not computed")
    reward = result.suites[0].tracked[0]
    reward.kwic[0].right += " unsure"
    reward.kwic[1].right += " fail"
    asyncio.run(judge_outside_scenario(result, _Judge()))  # type: ignore[arg-type]
    share = reward.outside_scenario
    assert share is not None and share.judge == "stand-in judge"
    assert share.failed == 2
    assert share.outside + share.inside + share.failed == len(reward.kwic)
    assert result.outside_scenario_status.startswith("judged by stand-in judge")


_TEXT = st.text(alphabet=st.sampled_from(list("graderstxo's.@:- \n\t")), max_size=60)


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_chunk_counts_equal_full_tokenisation(text: str) -> None:
    terms = [("grader", "graders"), ("x",), ("test",), ("grader's",), ("s",)]
    collector = ContextCollector(terms, per_term=0, width=10)
    expected = Counter(t for t in tokenize(text) if t in {f for forms in terms for f in forms})
    assert collector.count_forms(text) == dict(expected)


def test_second_pass_shortcut_matches_full_tokenisation(planted_run: Path) -> None:
    found = [(PLANT,), ("fatihah",), ("the",)]
    with Store(planted_run, read_only=True) as store:
        shapes = CotShapes()
        count_reasoning(read_rows(store), shapes=shapes)
        fast = collect_context(read_rows(store), ContextCollector(found, 2, 30), shapes=shapes)
        slow = collect_context(read_rows(store), ContextCollector(found, 2, 30))
    assert fast.sum_sq.keys() == slow.sum_sq.keys()
    for slot, value in slow.sum_sq.items():
        assert fast.sum_sq[slot] == pytest.approx(value, rel=1e-12)
    assert fast.result().lines == slow.result().lines


def test_rubric_judge_through_the_grader_framework(real_run: Path, no_network: None) -> None:
    from inspect_ai.model import ModelOutput, ModelUsage

    from cotscope.graders import JudgeSpec
    from cotscope.terms._rubric_judge import RubricUsageJudge

    seen: list[str] = []

    def respond(messages: list[Any], tools: Any, tool_choice: Any, config: Any) -> ModelOutput:
        text = messages[-1].text
        seen.append(text)
        marked = text.split("\u27e6", 1)[1].split("\u27e7", 1)[0] if "\u27e6" in text else ""
        label = "yes" if "\u27e7 = output" in text else "no"
        body = {"label": label, "justification": f"use of {marked}", "evidence": []}
        out = ModelOutput.from_content("mockllm/model", json.dumps(body))
        out.usage = ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15)
        return out

    spec = JudgeSpec("mockllm/model", model_args={"custom_outputs": respond})
    with Store(real_run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(track=[["reward"]], kwic=3, top=0))
        judge = RubricUsageJudge(spec, store)
        asyncio.run(judge_outside_scenario(result, judge))
    reward = result.suites[0].tracked[0]
    share = reward.outside_scenario
    assert share is not None and share.failed == 0
    assert share.outside + share.inside == len(reward.kwic) == len(seen)
    # the stand-in says "outside" for the odd-number trace's "reward = output if output % 2 == 1"
    assert share.outside == sum(line.right.startswith(" = output") for line in reward.kwic) > 0
    assert "term-reference v1" in share.judge
    assert all("\u27e6" in text and "<scenario_prompt>" in text for text in seen)
    marked = {t.split("\u27e6", 1)[1].split("\u27e7", 1)[0].lower() for t in seen}
    assert marked <= {"reward", "rewards"}
