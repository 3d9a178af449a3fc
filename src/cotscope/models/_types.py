"""Plain data passed between the engine, its decode loop and the batch scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

Dtype = Literal["float32", "bfloat16", "float16"]
"""Weight and activation dtypes the engine can run in."""


class Completion(BaseModel):
    """One generated continuation of one prompt."""

    text: str
    """Generated text: special tokens skipped, cut before the first stop string."""

    token_ids: list[int]
    """Every generated token id, including a final end-of-turn token."""

    prompt_tokens: int
    """Number of prompt tokens."""

    completion_tokens: int
    """Number of generated tokens (`len(token_ids)`)."""

    finish_reason: Literal["stop", "max_tokens"]
    """`stop`: end-of-turn token or stop string; `max_tokens`: the token budget ran out."""

    seed: int
    """Seed of this row's generator (drawn at random when none was given)."""


@dataclass(frozen=True)
class GenerationRequest:
    """One row of a batch, with its own settings."""

    prompt_ids: list[int]
    """Tokenized prompt."""

    max_new_tokens: int
    """Token budget for the completion."""

    temperature: float = 1.0
    """Sampling temperature; 0 means greedy."""

    top_p: float = 1.0
    """Nucleus mass; 1 means the full distribution."""

    seed: int | None = None
    """Seed of the row's generator; None draws one at random."""

    stop: tuple[str, ...] = ()
    """Strings that end the completion (excluded from its text)."""
