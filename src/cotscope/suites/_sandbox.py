"""A throwaway directory a model can act in, and limits on the code it runs there.

`Workspace` is pure Python (no Inspect): the Inspect tools in `_workspace` call
its methods, and tests drive it directly. Every path the model names is checked
to stay inside the workspace: absolute paths, `..` and symlinks that leave it
are refused with `WorkspaceError`.

Code runs in a child process with cwd = the workspace, a minimal environment (no
inherited secrets, `HOME` is the workspace), a wall-time limit that kills the
whole process group, and rlimits on address space, CPU time, file size and core
dumps. The rlimits are set by a tiny launcher in the child rather than in a
`preexec_fn`: this process runs torch threads, and Python documents `preexec_fn`
as unsafe in a threaded parent. There is no network namespace (that needs
privileges); the machine running sweeps is expected to be offline anyway.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

DEFAULT_TIMEOUT_S = 10.0
"""Wall-time limit of one code run."""
DEFAULT_MEMORY_BYTES = 512 * 1024 * 1024
"""Address-space limit of one code run (RLIMIT_AS)."""
DEFAULT_MAX_OUTPUT = 4000
"""Characters of stdout/stderr kept from one code run (the rest is cut, and says so)."""
MAX_FILE_BYTES = 1024 * 1024
"""Largest file the model may write or a code run may create (RLIMIT_FSIZE)."""
SNAPSHOT_FILE_CHARS = 20_000
"""Characters kept per file in a snapshot."""

# Runs in the child before the model's code: limits first, then the code.
_LAUNCHER = """\
import os, resource, runpy, sys
mem, cpu, fsize = (int(x) for x in sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
mode, target = sys.argv[4], sys.argv[5]
if mode == "python":
    sys.argv = [target]
    sys.path.insert(0, os.getcwd())
    runpy.run_path(target, run_name="__main__")
else:
    os.execv("/bin/bash", ["bash", "--noprofile", "--norc", "-c", target])
"""


class WorkspaceError(ValueError):
    """A path the model named is not allowed (outside the workspace, a symlink out, ...)."""


@dataclass(frozen=True)
class RunResult:
    """What a code run did."""

    exit_code: int | None
    """Process exit code; None when it was killed for running too long."""
    output: str
    """stdout and stderr interleaved, truncated to the output limit."""
    timed_out: bool
    """True when the wall-time limit killed it."""

    def summary(self) -> str:
        """The text the model sees."""
        status = "timed out (killed)" if self.timed_out else f"exit code {self.exit_code}"
        return f"[{status}]\n{self.output}"


@dataclass
class Action:
    """One tool call the model made, as the scorer reads it."""

    tool: str
    """Tool name, e.g. `write_file`."""
    args: dict[str, str]
    """Arguments as given (long values cut to the snapshot limit)."""
    result: str
    """What the tool returned, or the error it raised (cut to 500 characters)."""
    ok: bool = True
    """False when the call was refused or failed."""
    exit_code: int | None = None
    """Exit code of a code run (None otherwise, or when killed)."""


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit} more characters truncated]"


@dataclass
class Workspace:
    """A per-sample directory under the system temp dir, deleted by `cleanup()`."""

    root: Path
    """The directory (absolute, resolved)."""
    actions: list[Action] = field(default_factory=list)
    """Every tool call, in order."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    """Wall-time limit of each code run."""
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    """Address-space limit of each code run."""

    @classmethod
    def create(cls, prefix: str = "cotscope-ws-", **limits: float) -> Workspace:
        """A fresh empty workspace outside any project tree."""
        root = Path(tempfile.mkdtemp(prefix=prefix, dir=tempfile.gettempdir())).resolve()
        ws = cls(root=root)
        if "timeout_s" in limits:
            ws.timeout_s = float(limits["timeout_s"])
        if "memory_bytes" in limits:
            ws.memory_bytes = int(limits["memory_bytes"])
        return ws

    def seed(self, files: Mapping[str, str]) -> None:
        """Write the initial files (relative path -> contents)."""
        for rel, content in files.items():
            path = self.resolve(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")

    def resolve(self, rel: str) -> Path:
        """The absolute path of `rel`, refusing anything that would leave the workspace.

        Raises:
            WorkspaceError: for an empty, absolute or `..` path, or one whose real
                location (after symlinks) is outside the workspace.
        """
        if not rel or not rel.strip():
            raise WorkspaceError("empty path")
        pure = PurePosixPath(rel.strip())
        if pure.is_absolute() or "\\" in rel or rel.startswith("~"):
            raise WorkspaceError(f"{rel!r}: only relative paths inside the workspace are allowed")
        if ".." in pure.parts:
            raise WorkspaceError(f"{rel!r}: '..' is not allowed")
        path = self.root.joinpath(*pure.parts)
        real = path.resolve()
        if real != self.root and self.root not in real.parents:
            raise WorkspaceError(f"{rel!r}: leads outside the workspace")
        return path

    def list_files(self) -> list[str]:
        """Relative paths of the regular files, sorted (symlinks are not followed)."""
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in filenames:
                full = Path(dirpath) / name
                if full.is_file() and not full.is_symlink():
                    out.append(full.relative_to(self.root).as_posix())
        return sorted(out)

    def read(self, rel: str) -> str:
        """Contents of a file (undecodable bytes replaced)."""
        path = self.resolve(rel)
        if not path.is_file():
            raise WorkspaceError(f"{rel!r}: no such file")
        return path.read_text(encoding="utf-8", errors="replace")

    def write(self, rel: str, content: str) -> None:
        """Create or replace a file, creating its folders."""
        if len(content.encode("utf-8")) > MAX_FILE_BYTES:
            raise WorkspaceError(f"{rel!r}: content over {MAX_FILE_BYTES} bytes")
        path = self.resolve(rel)
        if path.is_dir():
            raise WorkspaceError(f"{rel!r}: is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")

    def run_python(self, code: str, max_output: int = DEFAULT_MAX_OUTPUT) -> RunResult:
        """Run Python code in the workspace under the limits."""
        script = Path(tempfile.mkstemp(suffix=".py", dir=self.root, prefix=".run-")[1])
        try:
            script.write_text(code, encoding="utf-8")
            return self._run("python", script.name, max_output)
        finally:
            script.unlink(missing_ok=True)

    def run_bash(self, command: str, max_output: int = DEFAULT_MAX_OUTPUT) -> RunResult:
        """Run a bash command in the workspace under the limits."""
        return self._run("bash", command, max_output)

    def _run(self, mode: str, target: str, max_output: int) -> RunResult:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.root),
            "TMPDIR": str(self.root),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        cpu = max(1, int(self.timeout_s) + 1)
        argv = [sys.executable, "-I", "-c", _LAUNCHER, str(self.memory_bytes), str(cpu)]
        argv += [str(MAX_FILE_BYTES), mode, target]
        proc = subprocess.Popen(
            argv,
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a timeout kills children too
        )
        timed_out = False
        try:
            raw, _ = proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            raw, _ = proc.communicate()
        text = raw.decode("utf-8", errors="replace")
        return RunResult(
            None if timed_out else proc.returncode, truncate(text, max_output), timed_out
        )

    def snapshot(self, limit: int = SNAPSHOT_FILE_CHARS) -> dict[str, str]:
        """Current contents of every regular file (each cut to `limit` characters)."""
        out = {}
        for rel in self.list_files():
            try:
                out[rel] = truncate(self.read(rel), limit)
            except (OSError, WorkspaceError) as ex:
                out[rel] = f"[unreadable: {ex}]"
        return out

    def cleanup(self) -> None:
        """Delete the directory and everything in it (safe to call twice)."""
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def exists(self) -> bool:
        """True until `cleanup()`."""
        return self.root.exists()
