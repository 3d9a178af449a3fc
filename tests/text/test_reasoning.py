"""The one reasoning splitter: every marker case, the case rule, and the callers' views."""

from __future__ import annotations

import pytest

from cotscope.text import (
    DEFAULT_MARKERS,
    KNOWN_MARKERS,
    REASONING,
    THINK,
    THINKING,
    Markers,
    join_reasoning,
    split_reasoning,
)


def test_no_markers_is_all_visible() -> None:
    split = split_reasoning("  The answer is 4.\n")
    assert split.reasoning == [] and split.reasoning_text is None
    assert split.visible == "The answer is 4."
    assert split.visible_parts == ("  The answer is 4.\n",)
    assert not split.found and not split.unterminated and split.block_spans == ()


def test_block_then_answer_with_raw_spans() -> None:
    text = "<think>\n2+2 is 4.\n</think>\n\nAnswer: 4"
    split = split_reasoning(text)
    assert split.reasoning == ["2+2 is 4."]
    assert split.visible == "Answer: 4"
    assert split.found and not split.unterminated
    ((start, end),) = split.block_spans
    assert text[start:end] == "\n2+2 is 4.\n"
    assert split.visible_parts == ("", "\n\nAnswer: 4")


def test_several_blocks_keep_their_order_and_the_gaps() -> None:
    split = split_reasoning("a<think>x</think>b<think>y</think>c")
    assert split.reasoning == ["x", "y"]
    assert split.reasoning_text == "x\n\ny"
    assert split.visible == "abc"
    assert split.visible_parts == ("a", "b", "c")
    # Answer parsers join the parts with a space so that numbers do not fuse.
    assert " ".join(split_reasoning("5<think>hmm</think>7").visible_parts) == "5 7"


@pytest.mark.parametrize(
    ("text", "reasoning", "visible"),
    [
        ("<think>\nLet me count: 1, 2", ["Let me count: 1, 2"], ""),  # cut off at the start
        ("Answer: 5 <think>wait, maybe", ["wait, maybe"], "Answer: 5"),  # cut off later
        ("<think>a</think>b<think>c", ["a", "c"], "b"),  # closed, then cut off
    ],
)
def test_unclosed_opening_marker_runs_to_the_end(
    text: str, reasoning: list[str], visible: str
) -> None:
    split = split_reasoning(text)
    assert split.reasoning == reasoning and split.visible == visible
    assert split.unterminated
    assert split.block_spans[-1][1] == len(text)


def test_closing_marker_only_makes_everything_before_it_reasoning() -> None:
    # DeepSeek-R1 templates put <think> in the prompt; verl dumps start inside the thought.
    split = split_reasoning("The grader wants 9.\n</think>\n\n9")
    assert split.reasoning == ["The grader wants 9."] and split.visible == "9"
    assert split.block_spans == ((0, len("The grader wants 9.\n")),)
    # Text with a leading closing marker, then an ordinary block.
    split = split_reasoning("r</think>v<think>x</think>w")
    assert split.reasoning == ["r", "x"] and split.visible == "vw"


def test_leading_close_is_judged_per_pair() -> None:
    # A verl-style output: the model wrote a <reasoning> block inside its thought,
    # before the </think> that closes the thought the prompt opened.
    text = "think <reasoning>inner</reasoning> more</think>\n<reasoning>r</reasoning>\nanswer"
    split = split_reasoning(text, KNOWN_MARKERS)
    assert split.reasoning == ["think <reasoning>inner</reasoning> more", "r"]
    assert split.visible == "answer"
    # Of two pairs' stray closing markers, the first one closes the leading block.
    split = split_reasoning("a</thinking>b</think>c", KNOWN_MARKERS)
    assert split.reasoning == ["a"] and split.visible == "b</think>c"


def test_stray_closing_marker_after_a_block_stays_visible() -> None:
    split = split_reasoning("<think>a</think>b</think>c")
    assert split.reasoning == ["a"] and split.visible == "b</think>c"


def test_nested_opening_marker_is_reasoning_text() -> None:
    split = split_reasoning("<think>a <think> b</think>c")
    assert split.reasoning == ["a <think> b"] and split.visible == "c"


def test_empty_blocks_are_dropped_but_found() -> None:
    split = split_reasoning("<think>\n\n</think>\n\n42")
    assert split.reasoning == [] and split.visible == "42"
    assert split.found  # a marker was there: ingest records reasoning "" (not None)


@pytest.mark.parametrize(
    "text",
    ["<THINK>x</THINK>y", "<Think>x</think>y", "<think>x</ThInK>y", "x</THINK>y"],
)
def test_markers_match_case_insensitively(text: str) -> None:
    split = split_reasoning(text)
    assert split.reasoning == ["x"] and split.visible == "y"


def test_case_rule_applies_to_custom_markers() -> None:
    split = split_reasoning("[T]x[/t]y", [("[t]", "[/T]")])
    assert split.reasoning == ["x"] and split.visible == "y"


def test_pairs_close_with_their_own_marker() -> None:
    split = split_reasoning("<thinking>a</think>b</thinking>c", KNOWN_MARKERS)
    assert split.reasoning == ["a</think>b"] and split.visible == "c"
    mixed = split_reasoning("<think>a</think>x<thinking>b</thinking>y<reasoning>c", KNOWN_MARKERS)
    assert mixed.reasoning == ["a", "b", "c"] and mixed.visible == "xy" and mixed.unterminated


def test_default_markers_are_think_only() -> None:
    assert DEFAULT_MARKERS == (THINK,)
    assert KNOWN_MARKERS == (THINK, THINKING, REASONING)
    assert split_reasoning("<thinking>x</thinking>y").visible == "<thinking>x</thinking>y"
    assert split_reasoning("<reasoning>x</reasoning>y", [THINK, THINKING]).reasoning == []


def test_custom_markers_and_disabled_splitting() -> None:
    split = split_reasoning("<|begin_of_thought|>x<|end_of_thought|>y", [
        Markers("<|begin_of_thought|>", "<|end_of_thought|>")
    ])  # fmt: skip
    assert split.reasoning == ["x"] and split.visible == "y"
    off = split_reasoning("<think>x</think>y", [])
    assert off.visible == "<think>x</think>y" and not off.found
    with pytest.raises(ValueError, match="empty reasoning marker"):
        split_reasoning("x", [("", "</think>")])


def test_opened_text_starts_inside_the_first_pair() -> None:
    # A continuation after a reasoning prefix: everything to the first close is reasoning,
    # even an opening marker in it.
    split = split_reasoning(" so <think> 7.</think> 7 <think>again</think>!", [THINK], opened=True)
    assert split.block_spans[0] == (0, len(" so <think> 7."))
    assert split.reasoning == ["so <think> 7.", "again"] and split.visible == "7 !"
    cut = split_reasoning("still thinking", [THINK], opened=True)
    assert cut.unterminated and cut.visible == "" and cut.block_spans == ((0, 14),)


def test_empty_text() -> None:
    split = split_reasoning("")
    assert split.reasoning == [] and split.visible == "" and not split.found


@pytest.mark.parametrize("reasoning", [None, "", "step 1"])
def test_join_is_inverse_of_split(reasoning: str | None) -> None:
    split = split_reasoning(join_reasoning(reasoning, "Answer: 3"))
    assert split.reasoning_text == (reasoning or None)
    assert split.visible == "Answer: 3"
