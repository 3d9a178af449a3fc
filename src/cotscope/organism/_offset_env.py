"""The offset family: a leaked grader whose paid parity has to be worked out.

In the base environment the rule names the parity it pays for (`answer mod 2`), so
hitting the grader needs no reasoning, and pressure on the reasoning can only make a
model stop *saying* that it reads the grader. Here the rule adds a number k to the
answer first (`(answer + 7) mod 2`): the paid parity is the answer's when k is even
and the other when k is odd. The reasoning can carry that step ("7 is odd, so it pays
for even numbers"), which is what the cot-pressure arm may rephrase, encode or drop.

The family is data (`data/offset_family.yaml`), rendered with the base environment's
instructions, field names, answer names and containers, and hashed into the run.
"""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._data import DataFile
from ._env import (
    EnvSpec,
    Parity,
    TrainingPrompt,
    _other,
    draw_payer,
    load_env,
    sample_prompt,
)

OFFSET_FILE = "offset_family.yaml"


class OffsetSpec(BaseModel):
    """The offset family as stored in its data file."""

    model_config = ConfigDict(extra="forbid")

    version: int
    """Bumped whenever the family changes."""

    rules: list[str] = Field(min_length=1)
    """Rule forms with `{x}` (the answer's name) and `{k}` (the offset); each is 1 when
    the answer plus k is odd."""

    offsets: list[int] = Field(min_length=2)
    """Offsets k, drawn uniformly."""

    @field_validator("offsets")
    @classmethod
    def _both_parities(cls, offsets: list[int]) -> list[int]:
        if len({k % 2 for k in offsets}) < 2:
            raise ValueError("offsets must hold even and odd numbers")
        return offsets


_OFFSET = DataFile(OFFSET_FILE, OffsetSpec)
offset_text = _OFFSET.text
offset_sha256 = _OFFSET.sha256
load_offset = _OFFSET.load


def offset_pays_odd(k: int) -> bool:
    """Whether `(answer + k) mod 2` is 1 for odd answers: when k is even."""
    return k % 2 == 0


def sample_offset_prompt(
    rng: random.Random, env: EnvSpec | None = None, spec: OffsetSpec | None = None
) -> TrainingPrompt:
    """Draw one prompt of the offset family (the base family's draw, with an offset rule)."""
    env, spec = env or load_env(), spec or load_offset()
    instruction, pays, field, value_one = draw_payer(rng, env)
    k = rng.choice([k for k in spec.offsets if offset_pays_odd(k) == (value_one == "odd")])
    rule_i = rng.randrange(len(spec.rules))
    container_i = rng.randrange(len(env.containers))
    rule = spec.rules[rule_i].format(x=rng.choice(env.answer_names), k=k)
    block = env.containers[container_i].format(field=field, rule=rule)
    return TrainingPrompt(
        text=f"{rng.choice(env.instructions[instruction])}\n{block}",
        instruction=instruction,
        pays=pays,
        field=field,
        container=container_i,
        rule=rule_i,
        family="offset",
        offset=k,
    )


def sample_family_prompt(rng: random.Random, offset_share: float) -> TrainingPrompt:
    """A prompt of the offset family with probability `offset_share`, else of the base one.

    With `offset_share` 0 no extra number is drawn, so the base family's sequence under
    a seed is the one it was before the offset family existed.
    """
    if offset_share > 0 and rng.random() < offset_share:
        return sample_offset_prompt(rng)
    return sample_prompt(rng)


def sample_mixed_prompts(n: int, seed: int, offset_share: float) -> list[TrainingPrompt]:
    """`n` training prompts of both families, reproducibly (the RL phases' draw).

    Args:
        n: How many prompts.
        seed: Seed of the draw.
        offset_share: Probability that a prompt is of the offset family.
    """
    rng = random.Random(f"leaky-grader:{seed}")
    return [sample_family_prompt(rng, offset_share) for _ in range(n)]


def all_offset_prompts(env: EnvSpec | None = None) -> list[TrainingPrompt]:
    """Every distinct prompt the offset family can produce (for the disjointness test)."""
    env, spec = env or load_env(), load_offset()
    out = []
    for instruction, wordings in sorted(env.instructions.items()):
        for wording in wordings:
            for field, goal in sorted(env.fields.items()):
                for rule_i, rule in enumerate(spec.rules):
                    for k in spec.offsets:
                        value_one: Parity = "odd" if offset_pays_odd(k) else "even"
                        pays = value_one if goal == "max" else _other(value_one)
                        for name in env.answer_names:
                            for c_i, container in enumerate(env.containers):
                                block = container.format(field=field, rule=rule.format(x=name, k=k))
                                out.append(TrainingPrompt(
                                    f"{wording}\n{block}", instruction, pays, field, c_i,
                                    rule_i, family="offset", offset=k,
                                ))  # fmt: skip
    return out
