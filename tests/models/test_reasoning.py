from __future__ import annotations

import pytest

from cotscope.models import join_reasoning, split_reasoning


def test_no_markers_is_all_visible() -> None:
    split = split_reasoning("  The answer is 4.\n")
    assert split.reasoning == []
    assert split.reasoning_text is None
    assert split.visible == "The answer is 4."
    assert not split.unterminated


def test_block_then_answer() -> None:
    split = split_reasoning("<think>\n2+2 is 4.\n</think>\n\nAnswer: 4")
    assert split.reasoning == ["2+2 is 4."]
    assert split.visible == "Answer: 4"


def test_text_on_both_sides_of_block_is_visible() -> None:
    split = split_reasoning("Sure. <think>hmm</think> It is 7.")
    assert split.reasoning == ["hmm"]
    assert split.visible == "Sure.  It is 7."


def test_several_blocks() -> None:
    split = split_reasoning("<think>a</think>x<think>b</think>y")
    assert split.reasoning == ["a", "b"]
    assert split.reasoning_text == "a\n\nb"
    assert split.visible == "xy"


def test_unterminated_block_at_start_is_all_reasoning() -> None:
    split = split_reasoning("<think>\nLet me count: 1, 2, 3")
    assert split.reasoning == ["Let me count: 1, 2, 3"]
    assert split.visible == ""
    assert split.unterminated


def test_unterminated_block_after_answer() -> None:
    split = split_reasoning("Answer: 5 <think>wait, maybe")
    assert split.reasoning == ["wait, maybe"]
    assert split.visible == "Answer: 5"
    assert split.unterminated


def test_closing_marker_without_opening_closes_a_leading_block() -> None:
    # Templates such as DeepSeek-R1's put <think> in the prompt.
    split = split_reasoning("The grader wants 9.\n</think>\n\n9")
    assert split.reasoning == ["The grader wants 9."]
    assert split.visible == "9"


def test_stray_closing_marker_after_a_block_stays_visible() -> None:
    split = split_reasoning("<think>a</think>b</think>c")
    assert split.reasoning == ["a"]
    assert split.visible == "b</think>c"


def test_empty_block_is_dropped() -> None:
    split = split_reasoning("<think>\n\n</think>\n\n42")
    assert split.reasoning == []
    assert split.visible == "42"


def test_nested_opening_marker_is_part_of_reasoning() -> None:
    split = split_reasoning("<think>a <think> b</think>c")
    assert split.reasoning == ["a <think> b"]
    assert split.visible == "c"


def test_custom_markers() -> None:
    split = split_reasoning(
        "<|begin_of_thought|>x<|end_of_thought|>y",
        "<|begin_of_thought|>",
        "<|end_of_thought|>",
    )
    assert split.reasoning == ["x"]
    assert split.visible == "y"
    # The default markers are plain text for a model with other markers.
    assert split_reasoning("<think>x</think>y", "[T]", "[/T]").visible == "<think>x</think>y"


@pytest.mark.parametrize("start,end", [(None, "</think>"), ("<think>", ""), (None, None)])
def test_disabled_markers(start: str | None, end: str | None) -> None:
    assert split_reasoning("<think>x</think>y", start, end).visible == "<think>x</think>y"


def test_empty_text() -> None:
    split = split_reasoning("")
    assert split.reasoning == [] and split.visible == ""


@pytest.mark.parametrize("reasoning", [None, "", "step 1"])
def test_join_is_inverse_of_split(reasoning: str | None) -> None:
    split = split_reasoning(join_reasoning(reasoning, "Answer: 3"))
    assert split.reasoning_text == (reasoning or None)
    assert split.visible == "Answer: 3"
