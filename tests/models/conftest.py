"""Session fixtures for tests that run the real bundled model: one load per session."""

from __future__ import annotations

import pytest

from cotscope.models import LocalEngine, get_engine, resolve_local_model

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
