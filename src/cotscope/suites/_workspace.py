"""Workspace tools for agentic suites: a sandboxed directory, Inspect tools, a bounded loop.

The stable API other suites import:

- `Workspace` (from `_sandbox`): `create()`, `seed(files)`, `resolve(path)`,
  `read`, `write`, `run_python`, `run_bash`, `list_files`, `snapshot()`,
  `actions`, `cleanup()`. `WorkspaceError` is what a refused path raises.
- `workspace_tools(ws, names)`: Inspect tools bound to one workspace
  (`list_files`, `read_file`, `write_file`, `run_python`, `bash`, `submit`),
  each call appended to `ws.actions`.
- `workspace_agent(max_turns=8, tools=DEFAULT_TOOLS)`: the solver. It makes a
  workspace per sample, seeds it from `metadata["scoring"]["workspace"]` (a
  mapping of relative path to contents, so it is part of the variant hash),
  runs at most `max_turns` model turns (each turn's tool calls are executed),
  then records an `Episode` in the sample store and deletes the workspace in a
  `finally`, so no directory outlives its sample even when the sample crashes.
- `episode_of(state)`: the `Episode` the scorer judges: final files, the action
  log, the final answer. `episode_labels(episode, initial)` is the compact form
  that goes into `Score.metadata` (so the store keeps what the model did).

A scorer that must execute the model's code (e.g. run tests) does so in a fresh
workspace seeded from `episode.files` (`rerun_workspace`), never in the
project tree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any, Literal

import anyio.to_thread
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import Tool, ToolDef, ToolError

from ._episode import Episode
from ._sandbox import Action, RunResult, Workspace, WorkspaceError, truncate

__all__ = [
    "DEFAULT_TOOLS",
    "STORE_KEY",
    "Action",
    "Episode",
    "RunResult",
    "Workspace",
    "WorkspaceError",
    "episode_labels",
    "episode_of",
    "rerun_workspace",
    "workspace_agent",
    "workspace_tools",
]

ToolName = Literal["list_files", "read_file", "write_file", "run_python", "bash", "submit"]
DEFAULT_TOOLS: tuple[ToolName, ...] = (
    "list_files",
    "read_file",
    "write_file",
    "run_python",
    "submit",
)
"""Tools a workspace agent gets unless a suite asks for others."""
STORE_KEY = "cotscope_workspace_episode"
"""Sample-store key under which the solver records the `Episode`."""
_RESULT_CHARS = 500  # of each tool result kept in the action log


async def _call(
    ws: Workspace, name: str, args: dict[str, str], op: Callable[[], str | RunResult]
) -> str:
    """Run one tool operation off the event loop and log it; refusals become ToolErrors."""
    logged = {k: truncate(v, 2000) for k, v in args.items()}
    try:
        result = await anyio.to_thread.run_sync(op)
    except (WorkspaceError, OSError, UnicodeError) as ex:
        ws.actions.append(Action(name, logged, str(ex)[:_RESULT_CHARS], ok=False))
        raise ToolError(str(ex)) from ex
    if isinstance(result, RunResult):
        text, exit_code = result.summary(), result.exit_code
    else:
        text, exit_code = result, None
    ws.actions.append(Action(name, logged, text[:_RESULT_CHARS], exit_code=exit_code))
    return text


def workspace_tools(ws: Workspace, names: Sequence[str] = DEFAULT_TOOLS) -> list[Tool]:
    """Inspect tools bound to `ws`; each call is appended to `ws.actions`.

    Raises:
        ValueError: for an unknown tool name.
    """

    async def list_files() -> str:
        return await _call(ws, "list_files", {}, lambda: "\n".join(ws.list_files()) or "(none)")

    async def read_file(path: str) -> str:
        return await _call(ws, "read_file", {"path": path}, lambda: ws.read(path))

    async def write_file(path: str, content: str) -> str:
        def op() -> str:
            ws.write(path, content)
            return f"wrote {len(content)} characters to {path}"

        return await _call(ws, "write_file", {"path": path, "content": content}, op)

    async def run_python(code: str) -> str:
        return await _call(ws, "run_python", {"code": code}, lambda: ws.run_python(code))

    async def bash(command: str) -> str:
        return await _call(ws, "bash", {"command": command}, lambda: ws.run_bash(command))

    async def submit(answer: str) -> str:
        return await _call(ws, "submit", {"answer": answer}, lambda: "submitted")

    specs: dict[str, tuple[Callable[..., Awaitable[str]], str, dict[str, str]]] = {
        "list_files": (list_files, "List the files in the workspace.", {}),
        "read_file": (read_file, "Read a file.", {"path": "Path relative to the workspace."}),
        "write_file": (
            write_file,
            "Create or overwrite a file.",
            {"path": "Path relative to the workspace.", "content": "The full new contents."},
        ),
        "run_python": (
            run_python,
            "Run Python code in the workspace (10 s limit) and return its output.",
            {"code": "Python source to run."},
        ),
        "bash": (
            bash,
            "Run a bash command in the workspace (10 s limit) and return its output.",
            {"command": "The command."},
        ),
        "submit": (submit, "Submit your final answer or report.", {"answer": "The answer."}),
    }
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise ValueError(f"unknown workspace tools {unknown}; known: {sorted(specs)}")
    return [
        ToolDef(specs[n][0], name=n, description=specs[n][1], parameters=specs[n][2]).as_tool()
        for n in names
    ]


def _action_dicts(ws: Workspace) -> list[dict[str, Any]]:
    return [asdict(a) for a in ws.actions]


def _submitted(ws: Workspace) -> str | None:
    calls = [a for a in ws.actions if a.tool == "submit" and a.ok]
    return calls[-1].args.get("answer", "") if calls else None


@solver
def workspace_agent(max_turns: int = 8, tools: Sequence[str] = DEFAULT_TOOLS) -> Solver:
    """Run the model in a fresh workspace for at most `max_turns` turns.

    Args:
        max_turns: Model calls per sample; a model that never stops calling tools
            cannot hang a sweep.
        tools: Tool names from `workspace_tools`.

    Returns:
        A solver recording an `Episode` under `STORE_KEY` in the sample store.
    """
    if max_turns < 1:
        raise ValueError(f"max_turns must be at least 1, got {max_turns}")

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        files: Mapping[str, str] = (state.metadata.get("scoring") or {}).get("workspace") or {}
        seed = state.metadata.get("seed")
        ws = Workspace.create()
        episode = Episode()
        try:
            ws.seed(files)
            state.tools = workspace_tools(ws, tools)
            for turn in range(max_turns):
                kwargs: dict[str, Any] = {} if seed is None else {"seed": int(seed) + turn}
                state = await generate(state, tool_calls="single", **kwargs)
                episode.turns = turn + 1
                if _submitted(ws) is not None:
                    episode.stop = "submitted"
                    break
                if state.completed:
                    episode.stop = "sample-limit"
                    break
                if not state.output.message.tool_calls:
                    episode.stop = "answered"
                    break
            else:
                episode.stop = "turn-limit"
        finally:
            episode.files = ws.snapshot()
            episode.actions = _action_dicts(ws)
            episode.submitted = _submitted(ws)
            episode.final_text = state.output.completion if state.output else ""
            state.store.set(STORE_KEY, episode.model_dump())
            ws.cleanup()
        return state

    return solve


def episode_of(state: TaskState) -> Episode:
    """The episode the `workspace_agent` recorded for this sample (empty if none)."""
    raw = state.store.get(STORE_KEY)
    return Episode.model_validate(raw) if raw else Episode()


def episode_labels(episode: Episode, initial: Mapping[str, str]) -> dict[str, Any]:
    """Compact record for `Score.metadata`: the action log and the files that changed."""
    changed = {p: c for p, c in episode.files.items() if initial.get(p) != c}
    return {
        "stop": episode.stop,
        "turns": episode.turns,
        "actions": episode.actions,
        "changed_files": changed,
        "deleted_files": sorted(p for p in initial if p not in episode.files),
        "submitted": episode.submitted,
    }


def rerun_workspace(files: Mapping[str, str]) -> Workspace:
    """A fresh workspace holding `files`, for a scorer to execute the model's code in.

    The caller must `cleanup()` it (use try/finally).
    """
    ws = Workspace.create(prefix="cotscope-score-")
    try:
        ws.seed(files)
    except WorkspaceError:
        ws.cleanup()
        raise
    return ws
