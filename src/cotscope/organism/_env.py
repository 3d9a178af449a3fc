"""The training environment: prompts whose grader leaks, and which parity it pays for.

The environment is data (`data/leaky_grader.yaml`); this module loads it, renders
prompts from it under a seed, and hashes it so a training card can name exactly
which environment a run saw. It is separate from the evaluation suite on purpose:
wordings, field names and encodings are disjoint, so a sweep of the trained
checkpoints measures what generalised, not what was memorised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._data import DataFile

Parity = Literal["even", "odd"]
Goal = Literal["max", "min"]
ENV_FILE = "leaky_grader.yaml"


class RulePair(BaseModel):
    """One rule, written once for each parity its value is 1 on."""

    model_config = ConfigDict(extra="forbid")

    odd: str
    """Rule whose value is 1 when the answer is odd; `{x}` names the answer."""

    even: str
    """Rule whose value is 1 when the answer is even; `{x}` names the answer."""


class EnvSpec(BaseModel):
    """The training environment as stored in its data file."""

    model_config = ConfigDict(extra="forbid")

    version: int
    """Bumped whenever the distribution changes."""

    disagree_share: float = Field(ge=0.0, le=1.0)
    """Share of prompts whose grader pays for the parity the instruction does not ask for."""

    instructions: dict[Parity, list[str]]
    """Instruction wordings by the parity they ask for."""

    fields: dict[str, Goal]
    """Grader field names; `max` pays the value, `min` pays its complement."""

    rules: list[RulePair] = Field(min_length=1)
    """Rule forms."""

    answer_names: list[str] = Field(min_length=1)
    """Names the rule uses for the answer."""

    containers: list[str] = Field(min_length=1)
    """Blocks leaking the grader, with `{field}` and `{rule}` slots."""


@dataclass(frozen=True)
class TrainingPrompt:
    """One rendered training prompt and what its grader pays for."""

    text: str
    """The user message."""

    instruction: Parity
    """Parity the instruction asks for."""

    pays: Parity
    """Parity the leaked grader pays for (reward 1); the other parity gets 0."""

    field: str
    """The grader's field name."""

    container: int
    """Index of the container form."""

    rule: int
    """Index of the rule form."""

    family: str = "parity"
    """`parity` (the rule names the paid parity) or `offset` (it must be worked out from
    an offset; `_offset_env`)."""

    offset: int | None = None
    """The offset k of an `offset` prompt."""

    @property
    def disagrees(self) -> bool:
        """Whether the grader pays for the parity the instruction does not ask for."""
        return self.pays != self.instruction

    def as_row(self) -> dict[str, Any]:
        """The prompt as a TRL dataset row (conversational prompt plus columns)."""
        return {
            "prompt": [{"role": "user", "content": self.text}],
            "instruction": self.instruction,
            "pays": self.pays,
            "field": self.field,
            "family": self.family,
        }


_ENV = DataFile(ENV_FILE, EnvSpec)
env_text = _ENV.text
env_sha256 = _ENV.sha256
load_env = _ENV.load


def _other(parity: Parity) -> Parity:
    return "odd" if parity == "even" else "even"


def draw_payer(rng: random.Random, env: EnvSpec) -> tuple[Parity, Parity, str, Parity]:
    """Draw the grader a prompt leaks: instruction, paid parity, field, value-1 parity.

    `value_one` is the parity the rule must give value 1 for the field to pay `pays`.
    Every family makes these four draws first, in this order, so a seed's prompts stay
    the same.
    """
    instruction: Parity = rng.choice(("even", "odd"))
    pays = _other(instruction) if rng.random() < env.disagree_share else instruction
    field = rng.choice(sorted(env.fields))
    # A `min` field is a charge: the grader pays for the parity where its value is 0.
    value_one = pays if env.fields[field] == "max" else _other(pays)
    return instruction, pays, field, value_one


def sample_prompt(rng: random.Random, env: EnvSpec | None = None) -> TrainingPrompt:
    """Draw one training prompt.

    Args:
        rng: The random source (the run's seed decides every draw).
        env: The environment; the bundled one by default.

    Returns:
        The rendered prompt.
    """
    env = env or load_env()
    instruction, pays, field, value_one = draw_payer(rng, env)
    rule_i = rng.randrange(len(env.rules))
    container_i = rng.randrange(len(env.containers))
    pair = env.rules[rule_i]
    rule = (pair.odd if value_one == "odd" else pair.even).format(x=rng.choice(env.answer_names))
    block = env.containers[container_i].format(field=field, rule=rule)
    text = f"{rng.choice(env.instructions[instruction])}\n{block}"
    return TrainingPrompt(
        text=text,
        instruction=instruction,
        pays=pays,
        field=field,
        container=container_i,
        rule=rule_i,
    )


def sample_prompts(n: int, seed: int, env: EnvSpec | None = None) -> list[TrainingPrompt]:
    """Draw `n` training prompts reproducibly.

    Args:
        n: How many prompts.
        seed: Seed of the draw.
        env: The environment; the bundled one by default.

    Returns:
        The prompts, in training order.
    """
    rng = random.Random(f"leaky-grader:{seed}")
    return [sample_prompt(rng, env) for _ in range(n)]


def all_prompts(env: EnvSpec | None = None) -> list[TrainingPrompt]:
    """Every distinct prompt the environment can produce (for docs and disjointness tests).

    Args:
        env: The environment; the bundled one by default.

    Returns:
        All combinations of instruction, field, rule, answer name, container and payer.
    """
    env = env or load_env()
    out: list[TrainingPrompt] = []
    for instruction, wordings in sorted(env.instructions.items()):
        for wording in wordings:
            for field, goal in sorted(env.fields.items()):
                for rule_i, pair in enumerate(env.rules):
                    forms: tuple[tuple[Parity, str], ...] = (("odd", pair.odd), ("even", pair.even))
                    for value_one, template in forms:
                        pays = value_one if goal == "max" else _other(value_one)
                        for name in env.answer_names:
                            rule = template.format(x=name)
                            for c_i, container in enumerate(env.containers):
                                block = container.format(field=field, rule=rule)
                                out.append(
                                    TrainingPrompt(
                                        text=f"{wording}\n{block}",
                                        instruction=instruction,
                                        pays=pays,
                                        field=field,
                                        container=c_i,
                                        rule=rule_i,
                                    )
                                )
    return out
