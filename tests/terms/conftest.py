from __future__ import annotations

import random
from pathlib import Path

import pytest
from _terms_data import build_store, thought_branches

PLANT = "zorblax"
PLANT_FROM = 3  # checkpoint index (step 300) from which the planted word appears
STEPS = [0, 100, 200, 300, 400, 500]


def planted_checkpoints(seed: int = 1) -> list[tuple[int | None, list[str | None]]]:
    """Six checkpoints of 40 real CoTs each; from step 300 on, 30% carry a planted word."""
    texts = [r["reasoning_text"] for r in thought_branches()]
    texts += [r["base_reasoning_text"] for r in thought_branches()]
    rng = random.Random(seed)
    out: list[tuple[int | None, list[str | None]]] = []
    for k, step in enumerate(STEPS):
        cots: list[str | None] = []
        for _ in range(40):
            text = rng.choice(texts)
            if k >= PLANT_FROM and rng.random() < 0.3:
                words = text.split()
                words.insert(rng.randrange(len(words)), PLANT)
                text = " ".join(words)
            cots.append(text)
        cots.append(None)  # a sample without reasoning: counted, never dropped silently
        out.append((step, cots))
    return out


@pytest.fixture(scope="session")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("planted"), planted_checkpoints())
