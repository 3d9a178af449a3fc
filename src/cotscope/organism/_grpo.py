"""One GRPO phase with TRL on CPU: the settings both organisms share, and a step hook.

torch and TRL are imported inside `run_grpo`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._trl import cpu_trainer_args, scratch_dir


@dataclass(frozen=True)
class GrpoArgs:
    """What decides a GRPO phase, apart from the model, the data and the rewards."""

    steps: int
    batch_size: int
    num_generations: int
    max_completion_length: int
    temperature: float
    learning_rate: float
    warmup_steps: int
    beta: float
    seed: int


def run_grpo(
    model: Any,
    tokenizer: Any,
    dataset: Any,
    reward_funcs: Sequence[Any],
    reward_weights: Sequence[float],
    args: GrpoArgs,
    *,
    peft_config: Any = None,
    on_log: Callable[[int, dict[str, Any]], None] | None = None,
    on_step_end: Callable[[int, Any], None] | None = None,
) -> Any:
    """Train `model` with GRPO and return the trained model.

    Args:
        model: A causal LM, or a PEFT model whose adapter is trainable (then
            `peft_config` is None, and with `beta > 0` the KL is measured against the
            adapter as it was at the start of the phase).
        tokenizer: Its tokenizer (with a pad token).
        dataset: A `datasets.Dataset` with a conversational `prompt` column and the
            columns the rewards read; one row per prompt, in training order.
        reward_funcs: TRL reward functions.
        reward_weights: Their weights (0 logs a diagnostic without training on it).
        args: The phase's settings.
        peft_config: A `LoraConfig` when `model` has no adapter yet.
        on_log: Called with (step within the phase, TRL's logged metrics).
        on_step_end: Called with (step within the phase, the model) after each step.
    """
    from transformers import TrainerCallback
    from trl.trainer.grpo_config import GRPOConfig
    from trl.trainer.grpo_trainer import GRPOTrainer

    class _Hooks(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if on_log is not None and logs and "reward" in logs:
                on_log(state.global_step, dict(logs))

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if on_step_end is not None:
                on_step_end(state.global_step, kw["model"])

    with scratch_dir("cotscope-grpo-") as scratch:
        config = GRPOConfig(
            output_dir=str(scratch),
            max_steps=args.steps,
            per_device_train_batch_size=args.batch_size,
            num_generations=args.num_generations,
            max_completion_length=args.max_completion_length,
            temperature=args.temperature,
            learning_rate=args.learning_rate,
            lr_scheduler_type="constant_with_warmup",
            warmup_steps=args.warmup_steps,
            beta=args.beta,
            reward_weights=list(reward_weights),
            **cpu_trainer_args(args.seed),
        )
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=list(reward_funcs),
            args=config,
            train_dataset=dataset,
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=[_Hooks()],
        )
        trainer.train()
        return trainer.model
