"""One supervised phase with TRL's `SFTTrainer` on CPU, loss on the completion only.

Rows are conversational prompt-completion pairs (`SftExample.as_row`): TRL renders
the prompt with the chat template, appends the completion and masks the prompt out
of the loss, so the model learns what to write, never the environment's prompts.
torch and TRL are imported inside the function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._recipe import SftSettings
from ._trl import cpu_trainer_args, scratch_dir


def run_sft(
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    settings: SftSettings,
    seed: int,
    *,
    peft_config: Any = None,
    on_log: Callable[[int, dict[str, float]], None] | None = None,
) -> Any:
    """Fine-tune `model` on `rows` and return the trained model (a PEFT model).

    Args:
        model: A causal LM, or a PEFT model whose adapter is trainable.
        tokenizer: Its tokenizer (with a pad token).
        rows: `{"prompt": [...], "completion": [...]}` rows, in training order.
        settings: The phase's settings.
        seed: Seed of the data order and the adapter's initialisation.
        peft_config: A `LoraConfig` when `model` has no adapter yet.
        on_log: Called with (step, logged metrics) after every step.
    """
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl.trainer.sft_config import SFTConfig
    from trl.trainer.sft_trainer import SFTTrainer

    class _Logs(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if on_log is not None and logs and "loss" in logs:
                on_log(state.global_step, dict(logs))

    with scratch_dir("cotscope-sft-") as scratch:
        args = SFTConfig(
            output_dir=str(scratch),
            num_train_epochs=settings.epochs,
            per_device_train_batch_size=settings.batch_size,
            learning_rate=settings.learning_rate,
            lr_scheduler_type="linear",
            warmup_steps=settings.warmup_steps,
            max_length=settings.max_length,
            packing=False,
            **cpu_trainer_args(seed),
        )
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            peft_config=peft_config,
            callbacks=[_Logs()],
        )
        trainer.train()
        return trainer.model
