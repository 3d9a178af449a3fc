"""The training card documents complete and partial runs from the run folder alone."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from cotscope.organism import TrainConfig, write_card
from cotscope.organism._card import curve_windows


def _run_folder(tmp_path: Path, *, steps_done: int, status: str) -> Path:
    folder = tmp_path / "leaky-grader"
    folder.mkdir()
    config = TrainConfig(steps=12, save_every=4)
    meta = {
        "config": config.model_dump(),
        "environment_sha256": "e" * 64,
        "base_model_fingerprint": "b" * 64,
        "libraries": {"trl": "1.0"},
        "torch_threads": 2,
    }
    (folder / "config.json").write_text(json.dumps(meta))
    run = {
        "status": status,
        "steps_planned": 12,
        "steps_done": steps_done,
        "wall_time_s": 60.0 * steps_done,
        "checkpoints": [s for s in (4, 8, 12) if s <= steps_done],
    }
    (folder / "run.json").write_text(json.dumps(run))
    with (folder / "reward_curve.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "step",
                "reward",
                "reward_std",
                "follows_grader_against_instruction",
                "parseable",
                "completion_length",
                "elapsed_s",
            ]
        )
        for step in range(1, steps_done + 1):
            writer.writerow([step, step / 12, 0.1, "", 1.0, 20, 60 * step])
    for step in run["checkpoints"]:
        ckpt = folder / f"checkpoint-{step}"
        ckpt.mkdir()
        (ckpt / "adapter_model.safetensors").write_bytes(bytes([step]) * 10)
    return folder


def test_partial_run_is_labelled_with_hashes(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path, steps_done=9, status="running")
    card = write_card(folder).read_text()
    assert "**PARTIAL**, 9 of 12 steps" in card
    digest = hashlib.sha256(bytes([8]) * 10).hexdigest()
    assert f"| 8 | `{digest}` | 10 |" in card
    assert "| 12 |" not in card
    assert "--steps 12 --save-every 4" in card
    assert (folder / "reward_curve.png").is_file()


def test_complete_run_and_windows(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path, steps_done=12, status="complete")
    assert "**complete**, 12 of 12 steps" in write_card(folder).read_text()
    with (folder / "reward_curve.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    windows = curve_windows(rows, width=5)
    assert [(w["from"], w["to"]) for w in windows] == [(1, 5), (6, 10), (11, 12)]
    assert windows[0]["follows"] is None and windows[-1]["reward"] > windows[0]["reward"]
