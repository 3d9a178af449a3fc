"""mockllm outputs for suite tests: a scripted model that answers by prompt text.

Outputs carry usage: without it mockllm counts tokens with tiktoken's downloaded
encoding, and every sample crashes offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolChoice, ToolInfo


def mock_output(text: str, reasoning: str | None = None) -> ModelOutput:
    """An assistant reply with visible `text` and, if given, reasoning content before it."""
    content: list[Any] = [ContentText(text=text)]
    if reasoning is not None:
        content.insert(0, ContentReasoning(reasoning=reasoning))
    message = ChatMessageAssistant(content=content, model="mockllm")
    out = ModelOutput(
        model="mockllm",
        choices=[ChatCompletionChoice(message=message, stop_reason="stop")],
        usage=ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15),
    )
    out.completion = message.text
    return out


class ScriptedModel:
    """mockllm `custom_outputs` callable: answers by prompt text, records each seed."""

    def __init__(
        self, by_text: Mapping[str, str], answer: Callable[[str], tuple[str, str | None]]
    ) -> None:
        """Args: by_text maps a prompt to its variant id; answer maps a variant id to
        (visible text, reasoning or None)."""
        self.by_text = dict(by_text)
        self.answer = answer
        self.seeds: dict[str, int | None] = {}

    def __call__(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        variant_id = self.by_text[input[-1].text]
        self.seeds[variant_id] = config.seed
        return mock_output(*self.answer(variant_id))
