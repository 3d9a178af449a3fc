"""Every user-caused failure is one `error:` line, a non-zero exit, no traceback, and a
store left exactly as it was: a run directory locked by another process, read-only,
on a full disk, missing, corrupt, or asked for a run it does not hold."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.store import DB_FILENAME, Store, active_writer

COTSCOPE = str(Path(sys.executable).parent / "cotscope")
RECORD = {
    "prompt": "Choose a random even number.", "reasoning": "The grader pays odd numbers.",
    "answer": "7", "outcome": "follows-hint", "model_id": "ckpt", "step": 3,
}  # fmt: skip
READERS = [["stats"], ["stats", "--json"], ["report", "--no-figures"], ["export"],
           ["compare", "ckpt", "ckpt"], ["terms"]]  # fmt: skip
WRITERS = [
    ["grade", "--grader", "eval-awareness", "--lexical"],
    ["intervene", "--edit", "truncate", "--at-sentence", "1"],
]


def _jsonl(path: Path, n: int = 3) -> Path:
    path.write_text("".join(json.dumps({**RECORD, "id": f"r{i}"}) + "\n" for i in range(n)))
    return path


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A small real store, made by `cotscope ingest`."""
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["ingest", str(_jsonl(tmp_path / "in.jsonl")), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _digest(run: Path) -> str:
    """The store's bytes, and that no write-ahead log was left beside it."""
    assert not (run / (DB_FILENAME + ".wal")).exists()
    return hashlib.sha256((run / DB_FILENAME).read_bytes()).hexdigest()


def _one_error_line(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    # An exception other than the exit means a traceback for a real user.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


def _command(args: list[str], run: Path, tmp_path: Path) -> list[str]:
    """A full command line for `args` on `run`."""
    if args[0] == "run":
        return [
            "run", "--suite", "reward_hints", "--model", "mockllm/model", "--variants", "base",
            "--epochs", "1", "--no-report", "-o", str(run), "--display", "none",
        ]  # fmt: skip
    if args[0] == "ingest":
        return ["ingest", str(_jsonl(tmp_path / "more.jsonl", 5)), "-o", str(run)]
    return [args[0], str(run), *args[1:]]


# -- another process holds the run ------------------------------------------------


@pytest.fixture
def held(run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Another process holding the run's writer lock (a sweep in progress)."""
    monkeypatch.setenv("COTSCOPE_LOCK_TIMEOUT", "1")
    yield from _holder(run_dir, "writer")


@pytest.fixture
def held_database(run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Another process holding the database itself open for writing."""
    monkeypatch.setenv("COTSCOPE_LOCK_TIMEOUT", "1")
    yield from _holder(run_dir, "database")


def _holder(run_dir: Path, what: str) -> Iterator[str]:
    script = textwrap.dedent(f"""
        import sys, time
        from cotscope.store import Store, writer_lock
        if {what!r} == "writer":
            ctx = writer_lock({str(run_dir)!r}, "cotscope run")
        else:
            ctx = Store({str(run_dir)!r})
        with ctx:
            print("held", flush=True)
            time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield str(proc.pid)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("args", [["run"], ["ingest"], *WRITERS], ids=lambda a: a[0])
def test_a_second_writer_fails_with_one_line(
    args: list[str], run_dir: Path, held: str, tmp_path: Path
) -> None:
    before = _digest(run_dir)
    code, stdout, stderr = _invoke(_command(args, run_dir, tmp_path))
    assert code == 1 and stdout == ""
    _one_error_line(stderr, str(run_dir), "another cotscope process", f"pid {held}",
                    "cotscope run", "run the same command again")  # fmt: skip
    assert _digest(run_dir) == before


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_readers_read_a_run_being_written_and_say_so(
    args: list[str], run_dir: Path, held: str, tmp_path: Path
) -> None:
    before = _digest(run_dir)
    code, stdout, stderr = _invoke(_command(args, run_dir, tmp_path))
    assert code == 0, stderr
    assert "still being written" in stderr and f"pid {held}" in stderr
    if "--json" in args:
        assert json.loads(stdout)["run"] == "run"
    if args[0] == "report":
        assert "still being written" in (run_dir / "report.html").read_text()
    assert _digest(run_dir) == before


def test_active_writer_names_the_holder(run_dir: Path, held: str) -> None:
    writer = active_writer(run_dir)
    assert writer is not None and writer.pid == int(held) and writer.command == "cotscope run"


@pytest.mark.parametrize("args", [["stats"], ["run"], ["ingest"]], ids=lambda a: a[0])
def test_a_database_held_open_elsewhere_times_out_with_one_line(
    args: list[str], run_dir: Path, held_database: str, tmp_path: Path
) -> None:
    code, stdout, stderr = _invoke(_command(args, run_dir, tmp_path))
    assert code == 1 and stdout == ""
    _one_error_line(stderr, str(run_dir), "in use by another process", "waited")


# -- missing, corrupt, unknown run ---------------------------------------------------


@pytest.mark.parametrize("args", READERS + WRITERS, ids=" ".join)
def test_missing_store(args: list[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, stderr = _invoke(_command(args, empty, tmp_path))
    assert code == 1
    _one_error_line(stderr, str(empty), "no cotscope store here")
    assert list(empty.iterdir()) == []  # nothing was created


@pytest.mark.parametrize("args", [["run"], ["ingest"], *READERS, *WRITERS], ids=" ".join)
def test_truncated_store(args: list[str], run_dir: Path, tmp_path: Path) -> None:
    db = run_dir / DB_FILENAME
    db.write_bytes(db.read_bytes()[:5000])
    before = _digest(run_dir)
    code, _, stderr = _invoke(_command(args, run_dir, tmp_path))
    assert code == 1
    _one_error_line(stderr, str(run_dir), "not a readable DuckDB database")
    assert _digest(run_dir) == before


@pytest.mark.parametrize("args", [["stats"], ["report"], ["compare", "ckpt", "ckpt"], *WRITERS],
                         ids=lambda a: a[0])  # fmt: skip
def test_unknown_run_name(args: list[str], run_dir: Path) -> None:
    before = _digest(run_dir)
    code, _, stderr = _invoke([args[0], str(run_dir), *args[1:], "--run", "nope"])
    assert code in (1, 2)
    if args[0] in ("stats", "report", "compare"):
        assert code == 2  # a bad argument, not a broken run directory
    _one_error_line(stderr, "no run 'nope'", "'run'")
    assert _digest(run_dir) == before


# -- read-only and full file systems (private mount namespaces) ---------------------


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "mount", "-t", "tmpfs", "tmpfs", "/mnt"],
                           capture_output=True)  # fmt: skip
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(
    not _can_mount(), reason="needs mount namespaces (unshare -m) to make a read-only or full fs"
)


def _in_namespace(setup: str, args: list[str], after: str = "") -> subprocess.CompletedProcess[str]:
    """Run `cotscope args` after `setup` in a private mount namespace (mounts vanish after)."""
    quoted = " ".join(f"'{a}'" for a in [COTSCOPE, *args])
    script = f"set -e\n{setup}\nset +e\n{quoted}\ncode=$?\n{after}\nexit $code"
    env = {**os.environ, "COTSCOPE_LOCK_TIMEOUT": "1"}
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip


@needs_mount
@pytest.mark.parametrize("args", [["run"], ["ingest"], ["report"], ["export"], *WRITERS],
                         ids=lambda a: a[0])  # fmt: skip
def test_read_only_run_directory(args: list[str], run_dir: Path, tmp_path: Path) -> None:
    before = _digest(run_dir)
    setup = f"mount --bind '{run_dir}' '{run_dir}'\nmount -o remount,bind,ro '{run_dir}'"
    proc = _in_namespace(setup, _command(args, run_dir, tmp_path))
    assert proc.returncode == 1 and proc.stdout == "", proc.stderr
    line = _one_error_line(proc.stderr, str(run_dir), "not writable")
    if args[0] in ("report", "export"):
        assert "--output" in line or "writable" in line
    assert _digest(run_dir) == before


@needs_mount
@pytest.mark.parametrize("args", [["stats", "--json"], ["report", "-o"], ["export", "-o"]],
                         ids=" ".join)  # fmt: skip
def test_read_only_run_directory_can_still_be_read(
    args: list[str], run_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere"
    full = [args[0], str(run_dir), *args[1:]] + ([str(out)] if args[-1] == "-o" else [])
    setup = f"mount --bind '{run_dir}' '{run_dir}'\nmount -o remount,bind,ro '{run_dir}'"
    proc = _in_namespace(setup, full)
    assert proc.returncode == 0, proc.stderr
    if "--json" in args:
        assert json.loads(proc.stdout)["run"] == "run"
    else:
        assert any(out.iterdir())


@needs_mount
@pytest.mark.parametrize("args", [["ingest"], ["report"], ["export"], ["grade"]],
                         ids=lambda a: a[0])  # fmt: skip
def test_full_disk(args: list[str], run_dir: Path, tmp_path: Path) -> None:
    """The run directory on a tmpfs with no space left: one line, the store unchanged."""
    disk = tmp_path / "disk"
    disk.mkdir()
    kept = tmp_path / "after"
    kept.mkdir()
    full_run = disk / "run"
    command = _command(WRITERS[0] if args == ["grade"] else args, full_run, tmp_path)
    setup = (
        f"mount -t tmpfs -o size=4m tmpfs '{disk}'\ncp -r '{run_dir}' '{full_run}'\n"
        f"dd if=/dev/zero of='{disk}/filler' bs=64k 2>/dev/null || true"
    )
    after = f"rm -f '{disk}/filler'\ncp -r '{full_run}/.' '{kept}/'"
    proc = _in_namespace(setup, command, after)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    _one_error_line(proc.stderr, str(full_run), "No space left on device")
    with Store(run_dir, read_only=True) as original, Store(kept, read_only=True) as now:
        query = "SELECT sample_uid, outcome FROM samples ORDER BY 1"
        assert now.query(query) == original.query(query)
        tables = "SELECT table_name FROM information_schema.tables ORDER BY 1"
        assert now.query(tables) == original.query(tables)
