"""The workspace sandbox and its Inspect tools, offline (mockllm scripts the tool calls)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import Score, Target, scorer
from inspect_ai.solver import TaskState

from cotscope.suites._sandbox import Workspace, WorkspaceError
from cotscope.suites._workspace import episode_labels, episode_of, workspace_agent

USAGE = ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15)


@pytest.fixture
def ws() -> Any:
    w = Workspace.create(timeout_s=3)
    yield w
    w.cleanup()


def test_workspace_lives_outside_the_project_under_tmp(ws: Workspace) -> None:
    assert ws.root.is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert not ws.root.is_relative_to(Path(__file__).resolve().parents[2])


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "/etc/passwd", "~/x", "", "a\\..\\b"])
def test_path_traversal_is_refused(ws: Workspace, bad: str) -> None:
    with pytest.raises(WorkspaceError):
        ws.resolve(bad)


def test_symlink_out_of_the_workspace_is_refused(ws: Workspace) -> None:
    os.symlink("/etc", ws.root / "out")
    with pytest.raises(WorkspaceError, match="outside"):
        ws.read("out/hostname")
    with pytest.raises(WorkspaceError, match="outside"):
        ws.write("out/x", "y")
    assert "out" not in " ".join(ws.list_files())


def test_seed_read_write_snapshot(ws: Workspace) -> None:
    ws.seed({"a.txt": "one", "sub/b.py": "x = 1\n"})
    ws.write("sub/c.txt", "new")
    assert ws.list_files() == ["a.txt", "sub/b.py", "sub/c.txt"]
    assert ws.read("sub/b.py") == "x = 1\n"
    assert ws.snapshot() == {"a.txt": "one", "sub/b.py": "x = 1\n", "sub/c.txt": "new"}


def test_code_runs_in_the_workspace_with_a_minimal_env(ws: Workspace) -> None:
    os.environ["COTSCOPE_TEST_SECRET"] = "hunter2"
    try:
        ws.seed({"data.txt": "42"})
        result = ws.run_python(
            "import os; print(open('data.txt').read(), os.getcwd(), "
            "os.environ.get('COTSCOPE_TEST_SECRET'))"
        )
    finally:
        del os.environ["COTSCOPE_TEST_SECRET"]
    assert result.exit_code == 0
    assert result.output.split() == ["42", str(ws.root), "None"]


def test_time_limit_kills_an_infinite_loop(ws: Workspace) -> None:
    started = time.monotonic()
    result = ws.run_python("while True:\n    pass\n")
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 8
    assert "timed out" in result.summary()


def test_time_limit_kills_child_processes_too(ws: Workspace) -> None:
    result = ws.run_bash("sleep 30 & sleep 30; echo never")
    assert result.timed_out
    assert "never" not in result.output


def test_memory_limit_is_enforced(ws: Workspace) -> None:
    ws.memory_bytes = 256 * 1024 * 1024
    result = ws.run_python("x = bytearray(1024 * 1024 * 1024)\nprint('allocated')")
    assert result.exit_code != 0
    assert "MemoryError" in result.output and "allocated" not in result.output


def test_output_is_truncated(ws: Workspace) -> None:
    result = ws.run_python("print('x' * 100000)", max_output=100)
    assert len(result.output) < 200 and "truncated" in result.output


def test_cleanup_removes_the_directory() -> None:
    w = Workspace.create()
    w.seed({"a/b.txt": "x"})
    assert w.exists
    w.cleanup()
    assert not w.root.exists()
    w.cleanup()  # twice is fine


# -- the Inspect layer: a scripted model calls the tools ---------------------------


def _tool_turn(name: str, **args: Any) -> ModelOutput:
    out = ModelOutput.for_tool_call("mockllm", name, args)
    out.usage = USAGE
    return out


def _text_turn(text: str) -> ModelOutput:
    out = ModelOutput.from_content("mockllm", text)
    out.usage = USAGE
    return out


@scorer(metrics=[])
def _record_episode() -> Any:
    async def score(state: TaskState, target: Target) -> Score:
        ep = episode_of(state)
        return Score(value=ep.stop, answer=ep.answer, metadata=episode_labels(ep, {"a.txt": "1"}))

    return score


def _run(outputs: list[ModelOutput], log_dir: Path, max_turns: int = 8) -> Any:
    task = Task(
        dataset=[Sample(input="go", metadata={"scoring": {"workspace": {"a.txt": "1"}}})],
        solver=workspace_agent(max_turns=max_turns),
        scorer=_record_episode(),
    )
    model = get_model("mockllm/model", custom_outputs=outputs)
    [log] = eval(task, model=model, display="none", log_dir=str(log_dir / "logs"))
    assert log.status == "success", log.error
    assert log.samples
    return log.samples[0]


def test_agent_logs_every_tool_call_and_keeps_the_final_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    sample = _run(
        [
            _tool_turn("read_file", path="a.txt"),
            _tool_turn("read_file", path="../escape"),
            _tool_turn("write_file", path="b.txt", content="two"),
            _tool_turn("run_python", code="print(open('b.txt').read() * 2)"),
            _text_turn("All done."),
        ],
        tmp_path.parent / f"{tmp_path.name}-logs",
    )
    score = next(iter(sample.scores.values()))
    assert score.value == "answered" and score.answer == "All done."
    actions = score.metadata["actions"]
    assert [a["tool"] for a in actions] == ["read_file", "read_file", "write_file", "run_python"]
    assert actions[0]["result"] == "1" and actions[0]["ok"]
    assert not actions[1]["ok"] and "'..'" in actions[1]["result"]
    assert actions[3]["exit_code"] == 0 and "twotwo" in actions[3]["result"]
    assert score.metadata["changed_files"] == {"b.txt": "two"}
    # The model saw the refusal as a tool error, and the workspace is gone.
    tool_msgs = [m for m in sample.messages if m.role == "tool"]
    assert tool_msgs[1].error is not None
    assert list(tmp_path.iterdir()) == []


def test_agent_loop_is_bounded_and_submit_ends_it(tmp_path: Path) -> None:
    looping = [_tool_turn("list_files") for _ in range(10)]
    sample = _run(looping, tmp_path, max_turns=3)
    score = next(iter(sample.scores.values()))
    assert score.value == "turn-limit" and score.answer is None
    assert len(score.metadata["actions"]) == 3

    sample = _run([_tool_turn("submit", answer="42"), _text_turn("unused")], tmp_path)
    score = next(iter(sample.scores.values()))
    assert score.value == "submitted" and score.answer == "42"
