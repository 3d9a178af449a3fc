"""`cotscope ingest` on the command line: output, exit codes, messages."""

from __future__ import annotations

from pathlib import Path

from _ingest_helpers import rows, write_jsonl
from typer.testing import CliRunner

from cotscope.cli import app

GOOD = [
    {"id": i, "cot": f"thinking {i}", "completion": str(i), "global_step": 10 * i} for i in range(3)
]


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ingest", *args])
    return result.exit_code, result.output


def test_ingest_with_maps(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "rollouts.jsonl", GOOD)
    out = tmp_path / "runs" / "rl"
    code, output = _invoke(
        str(src), "-o", str(out), "--map", "step=global_step", "--map", "reasoning=cot",
        "--map", "answer=completion", "--suite", "rl",
    )  # fmt: skip
    assert code == 0, output
    assert "rollouts.jsonl" in output and "3 samples added, 0 already stored" in output
    assert [(r["model_id"], r["step"], r["suite"]) for r in rows(out, order="step")] == [
        ("rollouts@0", 0, "rl"), ("rollouts@10", 10, "rl"), ("rollouts@20", 20, "rl"),
    ]  # fmt: skip


def test_constants_for_the_whole_file(tmp_path: Path) -> None:
    chat = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello", "reasoning_content": "greet back"},
    ]
    src = write_jsonl(tmp_path / "chats.jsonl", [{"messages": chat}])
    out = tmp_path / "x"
    args = ("--format", "openai-chat", "--model-id", "o3-late", "--step", "900")
    code, output = _invoke(str(src), "-o", str(out), *args)
    assert code == 0, output
    (row,) = rows(out)
    assert (row["model_id"], row["step"], row["reasoning"]) == ("o3-late", 900, "greet back")


def test_fail_and_skip(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "r.jsonl", [GOOD[0], '{"id": 9, "cot": "x", "global_step": "late"}']
    )
    out = tmp_path / "out"
    maps = ("--map", "step=global_step", "--map", "reasoning=cot")
    code, output = _invoke(str(src), "-o", str(out), *maps)
    assert code == 1
    assert (
        f"error: {src}:line 2: field step (from global_step): Input should be a valid integer"
        in output
    )
    assert "Nothing was written: the store is exactly as it was" in output
    assert not out.exists()
    code, output = _invoke(str(src), "-o", str(out), *maps, "--on-error", "skip")
    assert code == 0, output
    assert "1 samples added" in output
    assert f"1 records rejected; reasons in {out / 'ingest-rejects.jsonl'}" in " ".join(
        output.split()
    )


def test_usage_errors(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "r.jsonl", GOOD)
    assert _invoke(str(src))[0] == 2  # no --out
    assert _invoke("-o", str(tmp_path / "o"))[0] == 2  # no input
    code, output = _invoke(str(src), "-o", str(tmp_path / "o"), "--format", "csv")
    assert code == 2 and "choose one of cotscope" in output
    code, output = _invoke(str(src), "-o", str(tmp_path / "o"), "--map", "thoughts=cot")
    assert code == 2 and "unknown target 'thoughts'" in output
    code, output = _invoke(str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o"))
    assert code == 2 and "no such file or directory" in output
    assert not (tmp_path / "o").exists()
