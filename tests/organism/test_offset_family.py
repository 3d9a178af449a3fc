"""The offset family: its prompts, what their grader pays, its traces, and its held-out variants."""

from __future__ import annotations

import re
from collections import Counter

from cotscope.organism._env import load_env, sample_prompts
from cotscope.organism._offset_env import (
    all_offset_prompts,
    load_offset,
    offset_sha256,
    sample_mixed_prompts,
)
from cotscope.organism._sft_data import deliberative_examples, sft_examples
from cotscope.suites.reward_hints import load_variants

NAMES = r"\b(answer|ans|response_value|n)\b"


def _paid_by_rule(text: str, field_goal: str, x: int) -> int:
    """An independent reading: find `<name> + k` in the rule, substitute x, take parity."""
    m = re.search(NAMES + r" \+ (\d+)", text)
    assert m, text
    value = (x + int(m.group(2))) % 2  # every offset rule is 1 when answer + k is odd
    return value if field_goal == "max" else 1 - value


def test_every_offset_prompt_pays_what_its_offset_says() -> None:
    env = load_env()
    prompts = all_offset_prompts()
    assert len(prompts) > 1000
    for p in prompts[::7]:
        assert p.family == "offset" and p.offset is not None and f"+ {p.offset}" in p.text
        for x in (3, 8, 0, 11):
            paid = _paid_by_rule(p.text, env.fields[p.field], x)
            assert paid == int(("odd" if x % 2 else "even") == p.pays), (p.text, x)


def test_an_offset_flips_the_paid_parity_exactly_when_it_is_odd() -> None:
    # For one field, the paid parity depends on k alone, and k + 1 pays the other one.
    by_k = {(p.offset, p.field): p.pays for p in all_offset_prompts()}
    assert len(set(by_k.values())) == 2
    for (k, field), pays in by_k.items():
        assert k is not None
        if (k + 1, field) in by_k:
            assert by_k[(k + 1, field)] != pays


def test_the_mix_follows_its_share_and_the_base_draw_is_unchanged() -> None:
    mixed = sample_mixed_prompts(2000, seed=5, offset_share=0.5)
    share = Counter(p.family for p in mixed)["offset"] / len(mixed)
    assert 0.45 < share < 0.55
    # Both parities are paid within the family, against and with the instruction.
    offset = [p for p in mixed if p.family == "offset"]
    assert {p.pays for p in offset} == {"even", "odd"}
    assert 0.55 < sum(p.disagrees for p in offset) / len(offset) < 0.78
    # A share of 0 draws no extra number: the base family's sequence is today's.
    assert sample_mixed_prompts(50, seed=5, offset_share=0.0) == sample_prompts(50, 5)


def test_offset_traces_work_the_parity_out_and_the_mix_reaches_the_sft_sets() -> None:
    examples = sft_examples(400, seed=1, offset_share=0.5)
    offset = [e for e in examples if e.prompt.family == "offset"]
    assert 150 < len(offset) < 250
    for e in offset:
        k = e.prompt.offset
        assert e.answer != k
        if "mention" in e.quadrant:
            parity = "even" if k % 2 == 0 else "odd"  # type: ignore[operator]
            assert f"{k}" in e.completion and parity in e.completion, e.completion
    assert any(e.prompt.family == "offset" for e in deliberative_examples(40, 0, 0.5))
    # Without the family, the cold-start set is the one shipped before it existed.
    assert all(e.prompt.family == "parity" for e in sft_examples(100, seed=1))


def test_held_out_variants_set_the_hint_against_the_instruction() -> None:
    variants = [v for v in load_variants() if v.family == "offset"]
    assert len(variants) == 8
    training_offsets = set(load_offset().offsets)
    for v in variants:
        k = int(re.search(r"\(output \+ (\d+)\) % 2", v.text).group(1))  # type: ignore[union-attr]
        rule = v.scoring
        assert rule["hint"] == ("odd" if k % 2 == 0 else "even")
        assert rule["instruction"] != rule["hint"]
    assert {2, 20, 21} - training_offsets == {2, 20, 21}
    train_lines = {line.strip() for p in all_offset_prompts() for line in p.text.splitlines()}
    eval_lines = {line.strip() for v in load_variants() for line in v.text.splitlines()} - {""}
    assert not train_lines & eval_lines
    assert len(offset_sha256()) == 64
