"""The reasoning organism's cold-start set: environment prompts with short `<think>` traces.

Traces come in four quadrants (names the grader or not × follows it or the instruction),
in the proportions the data file states. The set is data (`data/reasoning_sft.yaml`),
rendered under a seed and hashed like the environment. Quadrants are allocated exactly
(largest remainder), not drawn, so the taught mix is the stated one; what moves after
step 0 is then learnt, not taught.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._data import DataFile
from ._env import Parity, TrainingPrompt
from ._offset_env import sample_family_prompt

SFT_FILE = "reasoning_sft.yaml"
SPEC_FILE = "deliberative_spec.yaml"

Quadrant = Literal[
    "mention_follows_grader",
    "mention_follows_instruction",
    "silent_follows_instruction",
    "silent_follows_grader",
    "agree_mention",
    "agree_silent",
]
"""Kinds of trace: the four quadrants of a disagreeing prompt, and the two of an agreeing one."""

DISAGREE_QUADRANTS: tuple[Quadrant, ...] = (
    "mention_follows_grader",
    "mention_follows_instruction",
    "silent_follows_instruction",
    "silent_follows_grader",
)


class SftLines(BaseModel):
    """Sentence templates a trace is built from."""

    model_config = ConfigDict(extra="forbid")

    instruction: list[str] = Field(min_length=1)
    """Restates the task's parity."""
    neutral: list[str] = Field(min_length=1)
    """Opens a silent-gaming trace without naming a parity or the grader."""
    grader: list[str] = Field(min_length=1)
    """Names the grader and the parity it pays for."""
    offset_grader: list[str] = Field(min_length=1)
    """On an offset-family prompt: names the grader and works out its parity from `{k}`."""
    follow_grader: list[str] = Field(min_length=1)
    """Chooses the grader's parity after naming the grader."""
    follow_instruction: list[str] = Field(min_length=1)
    """Chooses the instruction's parity after naming the grader."""
    agree: list[str] = Field(min_length=1)
    """Notes that grader and task agree."""
    pick: list[str] = Field(min_length=1)
    """States the number."""


class SftSpec(BaseModel):
    """The cold-start set as stored in its data file."""

    model_config = ConfigDict(extra="forbid")

    version: int
    """Bumped whenever the set changes."""
    quadrants: dict[Quadrant, float]
    """Shares of the four quadrants on disagreeing prompts (sum 1)."""
    agree_mention_share: float = Field(ge=0.0, le=1.0)
    """Share of agreeing prompts' traces that name the grader."""
    agree_share: float = Field(ge=0.0, le=1.0)
    """Share of the set drawn from agreeing prompts."""
    lines: SftLines
    """The sentence templates."""
    answers: dict[Parity, list[int]]
    """Answers by parity."""
    answer_formats: list[str] = Field(min_length=1)
    """How the visible answer is written after the reasoning (`{n}`)."""

    @model_validator(mode="after")
    def _shares(self) -> SftSpec:
        if set(self.quadrants) != set(DISAGREE_QUADRANTS):
            raise ValueError(f"quadrants must be exactly {', '.join(DISAGREE_QUADRANTS)}")
        if not math.isclose(sum(self.quadrants.values()), 1.0, abs_tol=1e-9):
            raise ValueError("quadrant shares must sum to 1")
        for parity, numbers in self.answers.items():
            if not numbers or any((n % 2 == 0) != (parity == "even") for n in numbers):
                raise ValueError(f"answers.{parity} must be non-empty and all {parity}")
        return self


@dataclass(frozen=True)
class SftExample:
    """One cold-start example: a training prompt and the completion taught for it."""

    prompt: TrainingPrompt
    """The environment prompt."""
    completion: str
    """`<think>…</think>` then the visible answer."""
    quadrant: Quadrant
    """Which kind of trace it is."""
    answer: int
    """The number the completion gives."""

    def as_row(self) -> dict[str, Any]:
        """A TRL prompt-completion row (conversational), so the loss covers the completion."""
        return {
            "prompt": [{"role": "user", "content": self.prompt.text}],
            "completion": [{"role": "assistant", "content": self.completion}],
        }


_SFT = DataFile(SFT_FILE, SftSpec)
sft_text = _SFT.text
sft_sha256 = _SFT.sha256
load_sft = _SFT.load


def allocate(shares: dict[Quadrant, float], n: int) -> dict[Quadrant, int]:
    """Split n into counts proportional to shares (largest remainder; ties by order)."""
    raw = {q: share * n for q, share in shares.items()}
    counts = {q: math.floor(v) for q, v in raw.items()}
    order = sorted(raw, key=lambda q: (-(raw[q] - counts[q]), list(shares).index(q)))
    for q in order[: n - sum(counts.values())]:
        counts[q] += 1
    return counts


def _article(parity: Parity) -> str:
    return f"an {parity}"


def _trace(rng: random.Random, spec: SftSpec, p: TrainingPrompt, quadrant: Quadrant) -> SftExample:
    follows = (
        p.pays if quadrant in ("mention_follows_grader", "silent_follows_grader") else p.instruction
    )
    n = _answer(rng, spec, p, follows)
    lines = spec.lines
    grader = grader_lines(spec, p)
    parts = {
        "mention_follows_grader": [lines.instruction, grader, lines.follow_grader],
        "mention_follows_instruction": [lines.instruction, grader, lines.follow_instruction],
        "silent_follows_instruction": [lines.instruction],
        "silent_follows_grader": [lines.neutral],
        "agree_mention": [lines.instruction, grader, lines.agree],
        "agree_silent": [lines.instruction],
    }[quadrant]
    return _example(rng, spec, p, n, [*parts, lines.pick], quadrant)


def grader_lines(spec: SftSpec, p: TrainingPrompt) -> list[str]:
    """The lines that name the grader for this prompt's family."""
    return spec.lines.offset_grader if p.family == "offset" else spec.lines.grader


def _answer(rng: random.Random, spec: SftSpec, p: TrainingPrompt, parity: Parity) -> int:
    # Never the offset itself: a number quoted from the prompt is a weak answer candidate.
    return rng.choice([n for n in spec.answers[parity] if n != p.offset])


def _example(
    rng: random.Random,
    spec: SftSpec,
    p: TrainingPrompt,
    n: int,
    parts: list[list[str]],
    quadrant: Quadrant,
) -> SftExample:
    # One sentence drawn from each template list, filled for this prompt and answer,
    # inside one think block, then the answer in one of the data file's formats.
    k_parity = None if p.offset is None else ("even" if p.offset % 2 == 0 else "odd")
    fill = {"instr": p.instruction, "instr_a": _article(p.instruction), "pays": p.pays,
            "pays_a": _article(p.pays), "n": n, "k": p.offset, "kpar": k_parity}  # fmt: skip
    sentences = [rng.choice(options).format(**fill) for options in parts]
    answer = rng.choice(spec.answer_formats).format(n=n)
    return SftExample(p, f"<think>{' '.join(sentences)}</think>\n{answer}", quadrant, n)


def sft_examples(
    n: int, seed: int, spec: SftSpec | None = None, offset_share: float = 0.0
) -> list[SftExample]:
    """The cold-start set: `n` examples in the data file's exact proportions, shuffled.

    Prompts are drawn from the training environment under their own seed namespace
    (not the RL phase's), until the agreeing and disagreeing counts are filled.

    Args:
        n: Examples in the set.
        seed: Seed of every draw.
        spec: The set's templates and shares; the bundled file by default.
        offset_share: Probability that a prompt is of the offset family.

    Returns:
        The examples, in training order.
    """
    spec = spec or load_sft()
    n_agree = round(spec.agree_share * n)
    wanted: list[Quadrant] = []
    for q, count in allocate(spec.quadrants, n - n_agree).items():
        wanted += [q] * count
    mention = round(spec.agree_mention_share * n_agree)
    agree_mention: list[Quadrant] = ["agree_mention"] * mention
    agree_silent: list[Quadrant] = ["agree_silent"] * (n_agree - mention)
    wanted += agree_mention + agree_silent
    rng = random.Random(f"reasoning-sft:{seed}")
    rng.shuffle(wanted)
    pools: dict[bool, list[TrainingPrompt]] = {True: [], False: []}
    out = []
    for quadrant in wanted:
        agree = quadrant.startswith("agree")
        while not pools[agree]:
            p = sample_family_prompt(rng, offset_share)
            pools[p.pays == p.instruction].append(p)
        out.append(_trace(rng, spec, pools[agree].pop(), quadrant))
    return out


class SpecLines(BaseModel):
    """Sentence templates of the deliberative arm's traces."""

    model_config = ConfigDict(extra="forbid")

    cite: list[str] = Field(min_length=1)
    """Recalls the spec."""
    decide: list[str] = Field(min_length=1)
    """Follows the instruction on a disagreeing prompt, from the spec."""
    agree: list[str] = Field(min_length=1)
    """Notes that grader and instruction agree."""


class DeliberativeSpec(BaseModel):
    """The deliberative arm's written spec and its traces, as stored in the data file."""

    model_config = ConfigDict(extra="forbid")

    version: int
    """Bumped whenever the spec or its traces change."""
    spec: str
    """The rule the traces cite."""
    agree_share: float = Field(ge=0.0, le=1.0)
    """Share of the set drawn from agreeing prompts."""
    lines: SpecLines
    """The sentence templates."""


_SPEC = DataFile(SPEC_FILE, DeliberativeSpec)
spec_text = _SPEC.text
spec_sha256 = _SPEC.sha256
load_spec = _SPEC.load


def deliberative_examples(n: int, seed: int, offset_share: float = 0.0) -> list[SftExample]:
    """The deliberative arm's SFT set: traces that name the grader, cite the spec, obey.

    Every trace is of quadrant `mention_follows_instruction` or `agree_mention`.

    Args:
        n: Examples in the set.
        seed: Seed of every draw (its own namespace, apart from the cold start's).
        offset_share: Probability that a prompt is of the offset family.
    """
    sft, spec = load_sft(), load_spec()
    rng = random.Random(f"deliberative-sft:{seed}")
    n_agree = round(spec.agree_share * n)
    agree = [True] * n_agree + [False] * (n - n_agree)
    rng.shuffle(agree)
    out = []
    for want in agree:
        p = sample_family_prompt(rng, offset_share)
        while (p.pays == p.instruction) != want:
            p = sample_family_prompt(rng, offset_share)
        n_ = _answer(rng, sft, p, p.instruction)
        parts = [sft.lines.instruction, grader_lines(sft, p), spec.lines.cite,
                 spec.lines.agree if want else spec.lines.decide, sft.lines.pick]  # fmt: skip
        quadrant: Quadrant = "agree_mention" if want else "mention_follows_instruction"
        out.append(_example(rng, sft, p, n_, parts, quadrant))
    return out
