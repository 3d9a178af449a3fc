"""mockllm outputs shared by the sweep plumbing tests."""

from typing import Any


def mock_outputs(texts: list[str]) -> list[Any]:
    """mockllm outputs with usage (without it Inspect counts tokens with downloaded tiktoken)."""
    from inspect_ai.model import ModelOutput, ModelUsage

    out = []
    for text in texts:
        o = ModelOutput.from_content("mockllm/model", text)
        o.usage = ModelUsage(input_tokens=5, output_tokens=3, total_tokens=8)
        out.append(o)
    return out
