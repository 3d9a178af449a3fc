"""The shipped reasoning organism: its manifest, card and adapters, on the real bundled model."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cotscope.models import get_engine, resolve_local_model
from cotscope.organism import OrganismNotFoundError, shipped_organism_dir

pytestmark = pytest.mark.model


def _manifest() -> tuple[Path | None, list[dict[str, Any]]]:
    try:
        folder = shipped_organism_dir("reasoning")
    except OrganismNotFoundError:
        return None, []
    return folder, json.loads((folder / "organism.json").read_text())["checkpoints"]


FOLDER, CHECKPOINTS = _manifest()


def test_every_phase_and_arm_is_shipped_with_its_card() -> None:
    assert FOLDER is not None, "the reasoning organism's checkpoints should ship in the package"
    manifest = json.loads((FOLDER / "organism.json").read_text())
    assert manifest["status"] == "complete"
    assert {c["run"] for c in CHECKPOINTS} == {"capabilities", "deliberative", "cot-pressure"}
    assert {c["phase"] for c in CHECKPOINTS} == {
        "cold-start", "capabilities", "deliberative-sft", "deliberative", "cot-pressure"
    }  # fmt: skip
    for name in ("TRAINING_CARD.md", "training_curve.csv", "training_curves.png"):
        assert (FOLDER / name).is_file(), name
    total = sum(f.stat().st_size for c in CHECKPOINTS for f in (FOLDER / c["path"]).iterdir())
    assert total < 20_000_000
    card = (FOLDER / "TRAINING_CARD.md").read_text()
    for c in CHECKPOINTS:  # every adapter's hash is on the card
        weights = FOLDER / c["path"] / "adapter_model.safetensors"
        assert hashlib.sha256(weights.read_bytes()).hexdigest() in card


@pytest.mark.parametrize("entry", CHECKPOINTS, ids=lambda c: c["path"])
def test_each_adapter_loads_and_generates(entry: dict[str, Any], no_network: None) -> None:
    assert FOLDER is not None
    resolved = resolve_local_model("smollm2", adapter=FOLDER / entry["path"])
    assert resolved.fingerprint != resolve_local_model("smollm2").fingerprint
    engine = get_engine(resolved)
    prompt = engine.render_chat([{"role": "user", "content": "Choose a random even number."}])
    [completion] = engine.generate([prompt], max_new_tokens=8, temperature=0.0, seeds=[0])
    assert completion.completion_tokens > 0 and completion.text.strip()


def test_the_cold_start_reasons_before_answering_a_held_out_prompt(no_network: None) -> None:
    from cotscope.suites.reward_hints import load_variants

    assert FOLDER is not None
    [step0] = [c for c in CHECKPOINTS if c["step"] == 0]
    engine = get_engine(resolve_local_model("smollm2", adapter=FOLDER / step0["path"]))
    base = next(v for v in load_variants() if v.id == "base")
    prompt = engine.render_chat([{"role": "user", "content": base.text}])
    [completion] = engine.generate([prompt], max_new_tokens=96, temperature=0.0, seeds=[0])
    # On this prompt, whose tags carry underscores, the organism often copies their
    # style and writes `<_think>` (the reasoning demo counts both pairs as reasoning).
    opened = re.match(r"\s*<(_?)think>", completion.text)
    assert opened is not None, completion.text
    assert f"</{opened.group(1)}think>" in completion.text, completion.text
