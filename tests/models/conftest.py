"""Session fixtures for tests that run the real bundled model: one load per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from cotscope.models import LocalEngine, dequantized_checkpoint, get_engine, resolve_local_model

QUESTIONS = [
    "What is 2+2?",
    "Name a colour of the sky, and explain in one sentence why it has that colour.",
    "Write the word 'apple'.",
    "A farmer has 17 sheep and buys 25 more. How many sheep does the farmer have now? "
    "Show your working.",
]


@pytest.fixture(scope="session")
def engine() -> LocalEngine:
    return get_engine(resolve_local_model("smollm2"))


@pytest.fixture(scope="session")
def prompts(engine: LocalEngine) -> list[str]:
    return [engine.render_chat([{"role": "user", "content": q}]) for q in QUESTIONS]


@pytest.fixture(scope="session")
def lora_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random LoRA adapter on the dequantized bundled model."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(dequantized_checkpoint("smollm2")))
    torch.manual_seed(0)
    config = LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    folder = tmp_path_factory.mktemp("lora")
    get_peft_model(base, config).save_pretrained(str(folder))
    return folder
