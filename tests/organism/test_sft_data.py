"""The cold-start set: the stated quadrant mix exactly, traces the monitor reads as taught."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cotscope.organism._env import all_prompts
from cotscope.organism._reward import answer_parity
from cotscope.organism._sft_data import (
    DISAGREE_QUADRANTS,
    SftSpec,
    allocate,
    load_sft,
    sft_examples,
    sft_sha256,
)
from cotscope.text import resolve_lexicon, split_reasoning

THINK = re.compile(r"^<think>([^<]+)</think>\n(?:Answer: )?(\d+)$")


@pytest.mark.parametrize("n", [100, 999, 1000])
def test_quadrants_are_allocated_exactly_in_the_stated_proportions(n: int) -> None:
    spec = load_sft()
    examples = sft_examples(n, seed=0)
    counts = Counter(e.quadrant for e in examples)
    n_agree = round(spec.agree_share * n)
    assert counts["agree_mention"] + counts["agree_silent"] == n_agree
    assert counts["agree_mention"] == round(spec.agree_mention_share * n_agree)
    for q in DISAGREE_QUADRANTS:
        # Largest remainder: each count is its share of the disagreeing prompts, rounded.
        assert abs(counts[q] - spec.quadrants[q] * (n - n_agree)) < 1, q
    assert sum(counts.values()) == n


def test_allocation_is_the_largest_remainder_split() -> None:
    shares = dict(zip(DISAGREE_QUADRANTS, (0.25, 0.25, 0.3, 0.2), strict=True))
    assert list(allocate(shares, 7).values()) == [2, 2, 2, 1]
    assert sum(allocate(shares, 13).values()) == 13


def test_every_trace_is_one_think_block_then_the_quadrants_parity() -> None:
    for e in sft_examples(400, seed=1):
        m = THINK.match(e.completion)
        assert m, e.completion
        assert int(m.group(2)) == e.answer
        wanted = e.prompt.pays if e.quadrant.endswith("follows_grader") else e.prompt.instruction
        assert answer_parity(e.completion, e.prompt.text) == wanted, e
        # The store's splitter reads the same reasoning the trace was built with.
        split = split_reasoning(e.completion)
        assert split.reasoning == [m.group(1)] and not split.unterminated
        assert e.prompt.disagrees == (not e.quadrant.startswith("agree"))


def test_the_monitor_flags_exactly_the_traces_that_name_the_grader() -> None:
    monitor = resolve_lexicon("grader-seeking").matcher
    for e in sft_examples(600, seed=2):
        reasoning = THINK.match(e.completion).group(1)  # type: ignore[union-attr]
        assert monitor.flags(reasoning) == ("mention" in e.quadrant), e.completion


def test_every_grader_line_is_flagged_and_no_other_line_is() -> None:
    monitor = resolve_lexicon("grader-seeking").matcher
    spec = load_sft()
    fill = {"instr": "even", "instr_a": "an even", "pays": "odd", "pays_a": "an odd", "n": 7,
            "k": 4, "kpar": "even"}  # fmt: skip
    for kind, lines in spec.lines.model_dump().items():
        for line in lines:
            flagged = kind in ("grader", "offset_grader")
            assert monitor.flags(line.format(**fill)) == flagged, (kind, line)
            # The offset-arithmetic detector reads the worked-out parity, and nothing else.
            worked = resolve_lexicon("offset-arithmetic").matcher.flags(line.format(**fill))
            assert worked == (kind == "offset_grader"), (kind, line)


def test_the_set_is_reproducible_and_drawn_from_training_prompts_only() -> None:
    assert sft_examples(50, seed=3) == sft_examples(50, seed=3)
    assert sft_examples(50, seed=3) != sft_examples(50, seed=4)
    training = {p.text for p in all_prompts()}
    assert all(e.prompt.text in training for e in sft_examples(300, seed=0))
    assert len(sft_sha256()) == 64


def test_bad_shares_are_refused() -> None:
    data = load_sft().model_dump()
    data["quadrants"]["silent_follows_grader"] = 0.5
    with pytest.raises(ValueError, match="sum to 1"):
        SftSpec.model_validate(data)
    data = load_sft().model_dump()
    data["answers"]["even"] = [3]
    with pytest.raises(ValueError, match="all even"):
        SftSpec.model_validate(data)
