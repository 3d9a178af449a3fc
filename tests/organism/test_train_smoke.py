"""Two GRPO steps on the real bundled model: adapters, curve, config and card come out."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

pytest.importorskip("trl")

from cotscope.organism import TrainConfig, train, write_card  # noqa: E402


def test_two_step_training_writes_adapters_curve_and_card(tmp_path: Path) -> None:
    out = tmp_path / "organism"
    config = TrainConfig(
        steps=2,
        save_every=1,
        prompts_per_step=1,
        num_generations=2,
        max_completion_length=8,
        warmup_steps=0,
        seed=1,
    )
    lines: list[str] = []
    run = train(config, out, progress=lines.append)
    assert run["status"] == "complete" and run["steps_done"] == 2
    assert run["checkpoints"] == [1, 2]
    for step in (1, 2):
        folder = out / f"checkpoint-{step}"
        assert sorted(p.name for p in folder.iterdir()) == [
            "adapter_config.json",
            "adapter_model.safetensors",
        ]
        adapter = json.loads((folder / "adapter_config.json").read_text())
        assert adapter["base_model_name_or_path"] == "local/smollm2"
        assert adapter["r"] == config.lora_r
        assert (folder / "adapter_model.safetensors").stat().st_size < 4_000_000
    with (out / "reward_curve.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["step"] for r in rows] == ["1", "2"]
    assert all(0.0 <= float(r["reward"]) <= 1.0 for r in rows)
    meta = json.loads((out / "config.json").read_text())
    assert meta["config"]["seed"] == 1 and len(meta["environment_sha256"]) == 64
    card = write_card(out).read_text()
    assert "**complete**, 2 of 2 steps" in card
    assert "--steps 2 --save-every 1" in card
    assert (out / "reward_curve.png").stat().st_size > 0
    assert any(line.startswith("step 2/2") for line in lines)
