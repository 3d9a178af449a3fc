"""Extra reasoning markers of a local model: stored as reasoning, kept apart in the cache key."""

from __future__ import annotations

from inspect_ai.model import ContentReasoning

from cotscope.models._provider import LocalModelArgs, assistant_reply


def test_an_extra_marker_pair_is_split_as_reasoning() -> None:
    text = "<_think>The task asks for a number. 43 is fine.</_think>\n43"
    plain, _ = assistant_reply(text, LocalModelArgs(), "m")
    assert plain.text == text.strip()  # by default it is part of the answer
    args = LocalModelArgs(extra_think=[("<_think>", "</_think>")])
    message, _ = assistant_reply(text, args, "m")
    assert message.text == "43"
    [reasoning] = [c for c in message.content if isinstance(c, ContentReasoning)]
    assert reasoning.reasoning == "The task asks for a number. 43 is fine."
    # The main pair still works beside it.
    message, _ = assistant_reply("<think>I pick 8.</think>\n8", args, "m")
    assert message.text == "8"


def test_extra_markers_are_validated_and_change_the_cache_key() -> None:
    from cotscope.models import resolve_local_model
    from cotscope.models._provider import cache_base_url

    args = LocalModelArgs.model_validate({"extra_think": [["<_think>", "</_think>"]]})
    assert args.extra_think == [("<_think>", "</_think>")]
    resolved = resolve_local_model("smollm2")
    assert cache_base_url(resolved, args) != cache_base_url(resolved, LocalModelArgs())
