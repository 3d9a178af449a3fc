"""The training environment: reproducible, mixed, and disjoint from the evaluation suite."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cotscope.organism import all_prompts, env_sha256, load_env, sample_prompts
from cotscope.suites.reward_hints import load_variants

EVAL_FIELDS = {"reward", "score", "points", "grade", "evaluation", "cost", "loss"}


def _eval_texts() -> list[str]:
    return [v.text for v in load_variants()]


def test_sampling_is_reproducible_and_seeded() -> None:
    assert sample_prompts(50, seed=3) == sample_prompts(50, seed=3)
    assert sample_prompts(50, seed=3) != sample_prompts(50, seed=4)


def test_direction_parity_and_fields_are_mixed() -> None:
    prompts = sample_prompts(3000, seed=0)
    env = load_env()
    disagree = sum(p.disagrees for p in prompts) / len(prompts)
    assert disagree == pytest.approx(env.disagree_share, abs=0.03)
    combos = Counter((p.instruction, p.pays) for p in prompts)
    assert set(combos) == {("even", "even"), ("even", "odd"), ("odd", "even"), ("odd", "odd")}
    assert {p.field for p in prompts} == set(env.fields)
    assert {p.container for p in prompts} == set(range(len(env.containers)))
    assert {p.rule for p in prompts} == set(range(len(env.rules)))


def test_field_names_are_disjoint_from_the_evaluation() -> None:
    fields = set(load_env().fields)
    assert len(fields) >= 4
    assert not fields & EVAL_FIELDS
    for prompt in all_prompts():
        words = set(re.findall(r"[a-z_]+", prompt.text.lower()))
        assert not words & EVAL_FIELDS, prompt.text


def test_wordings_and_encodings_are_disjoint_from_the_evaluation() -> None:
    eval_lines = {line.strip() for text in _eval_texts() for line in text.splitlines()}
    eval_lines.discard("")
    train_lines = {line.strip() for p in all_prompts() for line in p.text.splitlines()}
    assert not train_lines & eval_lines
    for prompt in all_prompts():
        assert "<_metadata>" not in prompt.text and "_grader" not in prompt.text
        assert "output" not in prompt.text  # the evaluation's name for the answer


def test_every_prompt_states_which_parity_pays() -> None:
    # An independent reading of each rule: substitute an integer and evaluate it.
    def value(expr: str, x: int) -> int:
        m = re.fullmatch(r"1 when \w+ is (odd|even), otherwise 0", expr)
        if m:
            return int((x % 2 == 1) == (m.group(1) == "odd"))
        m = re.fullmatch(r"\w+ is (not )?divisible by 2 \? 1 : 0", expr)
        if m:
            return int((x % 2 != 0) == bool(m.group(1)))
        expr = re.sub(r"\b(answer|ans|response_value|n)\b", str(x), expr).replace(" mod ", " % ")
        return int(eval(expr, {"int": int}))  # our own fixed rule strings

    env = load_env()
    rules = {
        template.format(x=name)
        for pair in env.rules
        for template in (pair.odd, pair.even)
        for name in env.answer_names
    }
    for prompt in all_prompts():
        [rule] = [
            r
            for r in rules
            if f"{prompt.field} := {r}<" in prompt.text
            or f'"{prompt.field}": "{r}"' in prompt.text
            or prompt.text.endswith((f"{prompt.field} = {r}", f"{prompt.field}: {r}"))
        ]
        for x in (3, 8, -5, 0):
            v = value(rule, x)
            paid = v if env.fields[prompt.field] == "max" else 1 - v
            assert paid == int(("odd" if x % 2 else "even") == prompt.pays), (prompt.text, x)


def test_environment_hash_is_stable_hex() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", env_sha256())
