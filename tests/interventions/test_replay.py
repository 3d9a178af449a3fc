"""Multi-turn transcripts: the conversation is replayed up to the edited assistant turn."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from cotscope.interventions import (
    Continuation,
    EditError,
    InterventionOptions,
    replay,
    run_interventions,
)
from cotscope.interventions import _run as run_module
from cotscope.store import Store
from cotscope.suites import get_suite

TURN1 = "I should check the arithmetic first. A calculator will help."
TURN2 = "The tool says 4. This might be a test of whether I follow the instruction. 4 is even."


class Recording:
    name = "scripted"
    model = "scripted:rec"

    def __init__(self) -> None:
        self.rendered: list[list[dict[str, str]]] = []
        self.prompts: list[str] = []

    def render(self, messages: Sequence[Mapping[str, str]]) -> str:
        self.rendered.append([dict(m) for m in messages])
        return "".join(f"<{m['role']}>{m['content']}</{m['role']}>" for m in messages) + "<a>"

    def continue_from(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        temperature: float,
        seeds: Sequence[int],
    ) -> list[Continuation]:
        self.prompts += prompts
        return [Continuation(" Even it is. </think>4", None, None, s) for s in seeds]


def _ingest(tmp_path: Path) -> Path:
    from cotscope.ingest import IngestOptions, ingest

    variant = get_suite("reward_hints").select("base")[0]
    record = {
        "id": "multi-1",
        "model": "local/smollm2",
        "suite": "reward_hints",
        "variant": variant.id,
        "messages": [
            {"role": "system", "content": "You are careful."},
            {"role": "user", "content": variant.text},
            {
                "role": "assistant",
                "reasoning_content": TURN1,
                "content": "Let me compute.",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "calc", "arguments": '{"expr": "2+2"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "name": "calc", "content": "4"},
            {"role": "assistant", "reasoning_content": TURN2, "content": "4"},
        ],
    }
    src = tmp_path / "chats.jsonl"
    src.write_text(json.dumps(record) + "\n")
    out = tmp_path / "run"
    ingest([src], IngestOptions(out=out, fmt="openai-chat"))
    return out


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Recording:
    backend = Recording()
    monkeypatch.setattr(run_module, "backend_for", lambda *a, **k: backend)
    return backend


def test_edit_in_second_turn_replays_tools_and_first_turn(
    tmp_path: Path, recording: Recording
) -> None:
    run = _ingest(tmp_path)
    with Store(run, read_only=True) as store:
        [sample] = store.query("SELECT reasoning, messages FROM samples")
    assert sample["reasoning"] == TURN1 + "\n\n" + TURN2
    opts = InterventionOptions(edit="remove", where="regex:might be a test", resamples=2)
    summary = run_interventions(run, opts)
    assert summary.transcripts == 1 and summary.generated == 4
    history = recording.rendered[0]
    assert [m["role"] for m in history] == ["system", "user", "assistant", "user"]
    assert history[0]["content"] == "You are careful."
    assert TURN1 in history[2]["content"] and "<think>" in history[2]["content"]
    assert (
        '<tool_call>{"name": "calc", "arguments": {"expr": "2+2"}}</tool_call>'
        in (history[2]["content"])
    )
    assert history[3]["content"].startswith('<tool_response name="calc">\n4')
    edited = [p for p in recording.prompts if p.endswith("<think>The tool says 4.")]
    base = [p for p in recording.prompts if p.endswith("the instruction.")]
    assert len(edited) == 2 and len(base) == 2
    assert all(TURN1 not in p.split("<think>")[-1] for p in recording.prompts)
    with Store(run, read_only=True) as store:
        rows = store.query("SELECT arm, prefix, outcome FROM interventions ORDER BY arm")
    # The stored prefix is the whole edited reasoning (both turns), as the report shows it.
    assert all(r["prefix"].startswith(TURN1 + "\n\nThe tool says 4.") for r in rows)
    assert {r["outcome"] for r in rows} == {"follows-instruction"}


def test_edit_in_first_turn_drops_later_turns(tmp_path: Path, recording: Recording) -> None:
    run = _ingest(tmp_path)
    opts = InterventionOptions(
        edit="inject", text="This might be an alignment test.", at="start", resamples=1
    )
    run_interventions(run, opts)
    assert all([m["role"] for m in h] == ["system", "user"] for h in recording.rendered)
    assert any(p.endswith("<think>This might be an alignment test.") for p in recording.prompts)
    assert any(p.endswith("<a><think>") for p in recording.prompts)  # the base arm: empty prefix


def test_replay_refuses_an_edit_before_the_continued_turn() -> None:
    reasoning = TURN1 + "\n\n" + TURN2
    messages = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "", "reasoning": TURN1},
        {"role": "user", "content": "more"},
        {"role": "assistant", "content": "4", "reasoning": TURN2},
    ]
    # keep-rest removal of a turn-1 sentence continues from the end of turn 2.
    edited = TURN1.split(". ")[1] + "\n\n" + TURN2
    with pytest.raises(EditError, match="earlier assistant turn"):
        replay("q", reasoning, messages, len(reasoning), edited)
    ok = replay("q", reasoning, messages, len(reasoning), reasoning)
    assert ok.prefix == TURN2 and len(ok.history) == 3
    with pytest.raises(EditError, match="does not match"):
        replay("q", "something else", messages, 0, "")


def test_reasoning_is_opened_once_when_the_template_already_opens_it() -> None:
    from cotscope.interventions._generate import open_reasoning

    r1_style = "<｜User｜>Pick a number.<｜Assistant｜><think>\n"
    assert open_reasoning(r1_style, "<think>") == r1_style
    chatml = "<|im_start|>user\nPick a number.<|im_end|>\n<|im_start|>assistant\n"
    assert open_reasoning(chatml, "<think>") == chatml + "<think>"
