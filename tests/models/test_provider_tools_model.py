"""The bundled model in a tool-enabled Inspect task, end to end (real model, offline)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.event import ModelEvent
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from cotscope.suites._workspace import episode_of, workspace_agent

pytestmark = pytest.mark.model


@scorer(metrics=[])
def _stop() -> Scorer:
    async def score(state: TaskState, target: Target) -> Score:
        ep = episode_of(state)
        return Score(value=ep.stop, metadata={"n_actions": len(ep.actions), "turns": ep.turns})

    return score


def test_local_model_runs_a_tool_loop(
    tmp_path: Path, no_network: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspaces = tmp_path / "ws"
    workspaces.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(workspaces))
    task = Task(
        dataset=[
            Sample(
                input="Read the file notes.txt with the read_file tool, then tell me its number.",
                metadata={"scoring": {"workspace": {"notes.txt": "The number is 7."}}, "seed": 1},
            )
        ],
        solver=workspace_agent(max_turns=2),
        scorer=_stop(),
        config=GenerateConfig(max_tokens=48, temperature=0.0),
    )
    [log] = eval(task, model="local/smollm2", display="none", log_dir=str(tmp_path / "logs"))
    assert log.status == "success", log.error
    assert log.samples
    sample = log.samples[0]
    score = next(iter(sample.scores.values()))
    assert score.value in {"answered", "turn-limit", "submitted"}
    models = [e for e in sample.events if isinstance(e, ModelEvent)]
    assert 1 <= len(models) == score.metadata["turns"] <= 2
    # The tools reached the model as the text protocol, in the rendered prompt.
    call = models[0].call
    assert call is not None
    prompt = str(call.request["prompt"])
    prompt = sample.attachments.get(prompt.removeprefix("attachment://"), prompt)
    assert '"name": "read_file"' in prompt and "<tool_call>" in prompt
    # Every parsed call was executed and logged; anything else stayed as text.
    calls = sum(len(e.output.message.tool_calls or []) for e in models)
    assert score.metadata["n_actions"] == calls
    assert list(workspaces.glob("cotscope-*")) == []  # torch may leave its own cache here
