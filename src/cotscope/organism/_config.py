"""Configuration of one organism training run (saved as `config.json` beside the adapters)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TrainConfig(BaseModel):
    """Everything that decides a training run, apart from library versions and hardware."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = "smollm2"
    """Local model name or path (see `resolve_local_model`); trained from its fp32 checkpoint."""

    steps: int = Field(default=48, ge=1)
    """Optimizer steps."""

    save_every: int = Field(default=6, ge=1)
    """Save the adapter as `checkpoint-<step>` every this many steps (and at the last step)."""

    prompts_per_step: int = Field(default=2, ge=1)
    """Distinct prompts per optimizer step."""

    num_generations: int = Field(default=4, ge=2)
    """Completions per prompt (the GRPO group)."""

    max_completion_length: int = Field(default=24, ge=1)
    """Tokens generated per completion."""

    temperature: float = Field(default=1.0, gt=0.0)
    """Sampling temperature during training."""

    learning_rate: float = Field(default=5e-4, gt=0.0)
    """AdamW learning rate of the LoRA weights (constant after warm-up)."""

    warmup_steps: int = Field(default=5, ge=0)
    """Linear warm-up steps."""

    beta: float = Field(default=0.0, ge=0.0)
    """KL coefficient against the base model (0: no reference model, TRL's default)."""

    lora_r: int = Field(default=8, ge=1)
    """LoRA rank."""

    lora_alpha: int = Field(default=16, ge=1)
    """LoRA alpha."""

    lora_dropout: float = Field(default=0.0, ge=0.0, lt=1.0)
    """LoRA dropout."""

    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "v_proj"])
    """Linear layers that get LoRA weights."""

    seed: int = 0
    """Seed of the prompt draw, of sampling and of the adapter's initialisation."""

    threads: int | None = None
    """torch CPU threads (None: torch's default)."""

    @property
    def batch_size(self) -> int:
        """Completions per optimizer step."""
        return self.prompts_per_step * self.num_generations

    def checkpoint_steps(self) -> list[int]:
        """Steps at which an adapter is saved, in order."""
        steps = list(range(self.save_every, self.steps + 1, self.save_every))
        if not steps or steps[-1] != self.steps:
            steps.append(self.steps)
        return steps
