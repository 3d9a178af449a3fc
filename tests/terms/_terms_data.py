"""Shared helpers of the terms tests: the real transcripts and small test stores."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import pytest

from cotscope.store import SampleRow, Store

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
THOUGHT_BRANCHES = (
    SHARED_DATA
    / "thought-branches/faithfulness/good_problems"
    / "Professor_itc_failure_threshold0.3_correct_base_no_mention.json"
)
ODD_NUMBER = (
    SHARED_DATA
    / "odd-number-forensics-theamankumarsingh/artifacts/responses"
    / "experiment_010_experimental_reward_001_3_thinking.txt"
)
SHADE = SHARED_DATA / "cot-monitor-stress-test/transcripts_obfs_shade_arena"


def require_shared_data() -> None:
    if not THOUGHT_BRANCHES.exists():
        pytest.skip(f"real transcripts not found at {SHARED_DATA} (the repo's ../shared/data)")


@cache
def thought_branches() -> list[dict[str, str]]:
    require_shared_data()
    records: list[dict[str, str]] = json.loads(THOUGHT_BRANCHES.read_text(encoding="utf-8"))
    return records


@cache
def odd_number_trace() -> str:
    require_shared_data()
    return ODD_NUMBER.read_text(encoding="utf-8")


@cache
def real_texts() -> list[str]:
    """Every reasoning text and message of the three real sets."""
    texts = [r["reasoning_text"] for r in thought_branches()]
    texts += [r["base_reasoning_text"] for r in thought_branches()]
    texts.append(odd_number_trace())
    for path in sorted(SHADE.glob("*.json")):
        for message in json.loads(path.read_text(encoding="utf-8"))["conversation"]:
            content = message.get("content")
            if isinstance(content, str) and content:
                texts.append(content)
    return texts


def row(
    reasoning: str | None,
    *,
    model_id: str,
    step: int | None,
    epoch: int,
    suite: str = "s",
    model_order: int = 0,
    variant_id: str = "v",
) -> SampleRow:
    return SampleRow(
        run="r",
        model_id=model_id,
        model="mockllm/model",
        model_order=model_order,
        step=step,
        suite=suite,
        variant_id=variant_id,
        variant_family="f",
        variant_hash="h",
        epoch=epoch,
        prompt="p",
        outcome="other",
        reasoning=reasoning,
    )


def build_store(
    run_dir: Path, checkpoints: Sequence[tuple[int | None, Iterable[str | None]]], suite: str = "s"
) -> Path:
    """Write one model per (step, texts) pair, in order, and return the run directory."""
    rows = []
    for order, (step, texts) in enumerate(checkpoints):
        for epoch, text in enumerate(texts):
            rows.append(
                row(
                    text,
                    model_id=f"ckpt-{order}",
                    step=step,
                    epoch=epoch,
                    suite=suite,
                    model_order=order,
                )
            )
    with Store(run_dir) as store:
        store.insert_samples(rows)
    return run_dir


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
