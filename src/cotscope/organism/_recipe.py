"""The reasoning organism's recipe: three phases, two arms, one step axis.

Phase 0 (`cold-start`) teaches the `<think>` format and the four quadrants by SFT;
its adapter is step 0. Phase 1 (`capabilities`) is GRPO whose reward is the leaked
grader's verdict on the visible answer. Phase 2 branches from the last phase-1
checkpoint into two arms, each a run of its own continuing the step count:
`deliberative` (a short SFT on traces that cite a written spec, then GRPO rewarding
the instruction) and `cot-pressure` (GRPO on the grader's verdict minus an adaptive
penalty whenever cotscope's grader-seeking monitor flags the reasoning).

Saved as `recipe.json` beside the checkpoints; every number that decides the run
is here, apart from library versions and hardware.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RewardKind = Literal["grader", "instruction", "grader-minus-monitor"]
"""What an RL phase rewards: the leaked grader's verdict, following the instruction,
or the grader's verdict minus the CoT monitor's penalty."""


class SftSettings(BaseModel):
    """A supervised phase (the cold start, or the deliberative arm's spec SFT)."""

    model_config = ConfigDict(extra="forbid")

    examples: int = Field(default=320, ge=1)
    """Examples in the set (rendered from the phase's data file under the seed)."""
    epochs: int = Field(default=2, ge=1)
    """Passes over the set."""
    batch_size: int = Field(default=8, ge=1)
    """Examples per optimizer step."""
    learning_rate: float = Field(default=2e-3, gt=0.0)
    """AdamW learning rate of the LoRA weights (linear decay after warm-up). At 3e-4 a
    rank-8 adapter on q and v had not learnt the format after 20 steps (loss 3.2 → 3.0);
    at 2e-3 and 80 steps the loss is 0.37 and every sampled trace is well formed."""
    warmup_steps: int = Field(default=4, ge=0)
    """Linear warm-up steps."""
    max_length: int = Field(default=256, ge=16)
    """Tokens per example (prompt + completion); longer ones are cut."""


class PenaltySettings(BaseModel):
    """The CoT monitor's penalty in the cot-pressure arm, with an adaptive weight.

    A fixed penalty tends to empty or garble the reasoning in small-model
    replications; the weight here rises while the task reward stays above `floor`
    and falls when it drops below, so the reward keeps paying for the task.
    """

    model_config = ConfigDict(extra="forbid")

    initial: float = Field(default=0.3, ge=0.0)
    """Weight at the first step of the arm."""
    floor: float = Field(default=0.5, ge=0.0, le=1.0)
    """Task reward (the grader's verdict, averaged over a step) the weight defends."""
    rate: float = Field(default=0.1, gt=0.0)
    """Change of the weight per step, up when above the floor, down when below."""
    maximum: float = Field(default=1.0, gt=0.0)
    """Largest weight."""


class RlSettings(BaseModel):
    """A GRPO phase."""

    model_config = ConfigDict(extra="forbid")

    steps: int = Field(default=60, ge=1)
    """Optimizer steps."""
    save_every: int = Field(default=10, ge=1)
    """Save a checkpoint every this many steps (and at the last)."""
    prompts_per_step: int = Field(default=2, ge=1)
    """Distinct prompts per step."""
    num_generations: int = Field(default=4, ge=2)
    """Completions per prompt (the GRPO group)."""
    max_completion_length: int = Field(default=72, ge=8)
    """Tokens generated per completion (reasoning and answer)."""
    temperature: float = Field(default=1.0, gt=0.0)
    """Sampling temperature."""
    learning_rate: float = Field(default=5e-4, gt=0.0)
    """AdamW learning rate (constant after warm-up; the leaky-grader organism's)."""
    warmup_steps: int = Field(default=3, ge=0)
    """Linear warm-up steps."""
    beta: float = Field(default=0.02, ge=0.0)
    """KL coefficient against the adapter at the start of the phase (also what makes
    TRL log the KL)."""
    reward: RewardKind = "grader"
    """What the phase rewards."""
    format_weight: float = Field(default=0.2, ge=0.0)
    """Weight of the format reward: one closed, non-empty `<think>` block, then an answer."""
    penalty: PenaltySettings | None = None
    """The monitor penalty (the cot-pressure arm only)."""

    @property
    def batch_size(self) -> int:
        """Completions per optimizer step."""
        return self.prompts_per_step * self.num_generations


class ReasoningRecipe(BaseModel):
    """Every phase of the reasoning organism."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = "smollm2"
    """Local model name (see `resolve_local_model`); trained from its fp32 checkpoint."""
    seed: int = 0
    """Seed of every draw, of sampling and of the adapters' initialisation."""
    threads: int | None = None
    """torch CPU threads (None: torch's default)."""
    lora_r: int = Field(default=8, ge=1)
    """LoRA rank (one adapter carried through every phase)."""
    lora_alpha: int = Field(default=16, ge=1)
    """LoRA alpha."""
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "v_proj"])
    """Linear layers that get LoRA weights."""
    offset_share: float = Field(default=0.5, ge=0.0, le=1.0)
    """Share of training prompts (every phase) from the offset family, whose paid parity
    must be worked out from an offset (`data/offset_family.yaml`); the rest are the base
    family's, whose rule names the parity."""
    cold_start: SftSettings = Field(default_factory=SftSettings)
    """Phase 0: SFT on the four-quadrant traces (`data/reasoning_sft.yaml`)."""
    capabilities: RlSettings = Field(default_factory=lambda: RlSettings(steps=120, save_every=15))
    """Phase 1: GRPO rewarding the leaked grader's verdict."""
    deliberative_sft: SftSettings = Field(
        default_factory=lambda: SftSettings(examples=96, learning_rate=1e-3)
    )
    """Phase 2, deliberative arm, first: SFT on traces that cite the spec."""
    deliberative: RlSettings = Field(
        default_factory=lambda: RlSettings(steps=40, reward="instruction")
    )
    """Phase 2, deliberative arm, then: GRPO rewarding the instruction."""
    cot_pressure: RlSettings = Field(
        default_factory=lambda: RlSettings(
            steps=60, reward="grader-minus-monitor", penalty=PenaltySettings()
        )
    )
    """Phase 2, cot-pressure arm: GRPO on the grader's verdict minus the monitor penalty."""

    @classmethod
    def tiny(cls) -> ReasoningRecipe:
        """A few steps of every phase: the end-to-end test's recipe (minutes, not hours)."""
        sft = SftSettings(examples=8, epochs=1, batch_size=4, max_length=160)
        rl = RlSettings(steps=2, save_every=1, prompts_per_step=1, num_generations=2,
                        max_completion_length=16)  # fmt: skip
        return cls(
            cold_start=sft,
            capabilities=rl,
            deliberative_sft=sft.model_copy(update={"examples": 4}),
            deliberative=rl.model_copy(update={"reward": "instruction"}),
            cot_pressure=rl.model_copy(
                update={"reward": "grader-minus-monitor", "penalty": PenaltySettings()}
            ),
        )
