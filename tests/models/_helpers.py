"""Calls into the `local/...` provider shared by the model tests."""

from __future__ import annotations

import anyio
from inspect_ai.model import ChatMessageUser, GenerateConfig, ModelOutput

from cotscope.models._provider import LocalModelAPI


def generate_many(api: LocalModelAPI, questions: list[str], **config: object) -> list[ModelOutput]:
    """One `generate` per question, all at once in one event loop (so they batch)."""
    outputs: list[ModelOutput] = [ModelOutput()] * len(questions)

    async def one(i: int) -> None:
        output, _call = await api.generate(
            [ChatMessageUser(content=questions[i])], [], "none", GenerateConfig(**config)
        )
        outputs[i] = output

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(len(questions)):
                tg.start_soon(one, i)

    anyio.run(main)
    return outputs
