"""Every phase of the reasoning organism, a few steps each, on the real bundled model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

pytest.importorskip("trl")

from cotscope.organism import (  # noqa: E402
    ReasoningRecipe,
    RecipeMismatchError,
    train_reasoning,
    write_reasoning_card,
)
from cotscope.organism._reasoning import CURVE_FILE, MANIFEST_FILE  # noqa: E402

# (path, run, phase, step): the cold start is step 0; phase 1 runs two steps; the
# deliberative arm's SFT (4 examples, batch 4) is one step, then two RL steps; the
# cot-pressure arm branches from step 2 as well.
EXPECTED = [
    ("checkpoint-0", "capabilities", "cold-start", 0),
    ("checkpoint-1", "capabilities", "capabilities", 1),
    ("checkpoint-2", "capabilities", "capabilities", 2),
    ("deliberative/checkpoint-3", "deliberative", "deliberative-sft", 3),
    ("deliberative/checkpoint-4", "deliberative", "deliberative", 4),
    ("deliberative/checkpoint-5", "deliberative", "deliberative", 5),
    ("cot-pressure/checkpoint-3", "cot-pressure", "cot-pressure", 3),
    ("cot-pressure/checkpoint-4", "cot-pressure", "cot-pressure", 4),
]


def _curve(out: Path) -> list[dict[str, str]]:
    with (out / CURVE_FILE).open() as fh:
        return list(csv.DictReader(fh))


def test_every_phase_runs_saves_its_checkpoints_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "reasoning"
    lines: list[str] = []
    manifest = train_reasoning(ReasoningRecipe.tiny(), out, progress=lines.append)
    assert manifest["status"] == "complete"
    got = [(c["path"], c["run"], c["phase"], c["step"]) for c in manifest["checkpoints"]]
    assert sorted(got) == sorted(EXPECTED)
    assert {name: p["status"] for name, p in manifest["phases"].items()} == dict.fromkeys(
        ("cold-start", "capabilities", "deliberative-sft", "deliberative", "cot-pressure"),
        "complete",
    )
    for path, *_ in EXPECTED:
        folder = out / path
        assert sorted(p.name for p in folder.iterdir()) == [
            "adapter_config.json", "adapter_model.safetensors"
        ]  # fmt: skip
        config = json.loads((folder / "adapter_config.json").read_text())
        assert config["base_model_name_or_path"] == "local/smollm2"
        # r=8 on q and v of 30 layers in fp16: 30 x 15,360 x 2 bytes, plus the header.
        assert (folder / "adapter_model.safetensors").stat().st_size < 1_000_000
    assert len(manifest["data_sha256"]["cold_start"]) == 64
    rows = _curve(out)
    # The cold start's two SFT steps (8 examples, batch 4) come before step 0.
    assert [r["step"] for r in rows if r["phase"] == "cold-start"] == ["-1", "0"]
    assert [r["step"] for r in rows if r["phase"] == "deliberative-sft"] == ["3"]
    phases = {(r["run"], r["phase"]) for r in rows}
    assert phases == {(run, phase) for _, run, phase, _ in EXPECTED}
    rl = [r for r in rows if r["phase"] != "cold-start" and r["phase"] != "deliberative-sft"]
    assert rl and all(r["reward"] != "" and r["format"] != "" and r["entropy"] != "" for r in rl)
    assert all(r["kl"] != "" for r in rl)  # beta > 0: TRL logs the KL against the phase start
    assert all(r["penalty_weight"] != "" for r in rows if r["phase"] == "cot-pressure")
    assert any("saved" in line for line in lines)

    # The same command again: nothing to do, nothing rewritten.
    before = (out / MANIFEST_FILE).read_text(), len(rows)
    train_reasoning(ReasoningRecipe.tiny(), out)
    assert len(_curve(out)) == before[1]
    assert json.loads((out / MANIFEST_FILE).read_text())["checkpoints"] == manifest["checkpoints"]

    # An interrupted arm resumes from its last checkpoint with its remaining steps.
    data = json.loads((out / MANIFEST_FILE).read_text())
    data["phases"]["cot-pressure"]["status"] = "running"
    data["checkpoints"] = [
        c for c in data["checkpoints"] if c["path"] != "cot-pressure/checkpoint-4"
    ]
    (out / MANIFEST_FILE).write_text(json.dumps(data))
    resumed = train_reasoning(ReasoningRecipe.tiny(), out)
    assert resumed["phases"]["cot-pressure"]["resumed_at"] == [3]
    assert [r["step"] for r in _curve(out)[before[1] :]] == ["4"]
    assert any(c["path"] == "cot-pressure/checkpoint-4" for c in resumed["checkpoints"])

    card = write_reasoning_card(out).read_text()
    for name in ("cold-start", "capabilities", "deliberative-sft", "deliberative", "cot-pressure"):
        assert f"## Phase `{name}`" in card
    assert card.count("| `") >= len(EXPECTED)  # one hash row per adapter
    assert "resumed (fresh optimizer) at step(s) [3]" in card
    assert "--recipe reasoning" in card and "--recipe-file recipe.json" in card
    assert (
        ReasoningRecipe.model_validate_json((out / "recipe.json").read_text())
        == ReasoningRecipe.tiny()
    )
    assert (out / "training_curves.png").stat().st_size > 0

    other = ReasoningRecipe.tiny().model_copy(update={"seed": 5})
    with pytest.raises(RecipeMismatchError, match="another recipe"):
        train_reasoning(other, out)
