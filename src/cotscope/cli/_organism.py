"""`cotscope organism`: train the leaky-grader model organism, write its training card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

organism_app = typer.Typer(
    help="The leaky-grader model organism: RL in an environment whose grader leaks.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `organism` command group."""
    app.add_typer(organism_app, name="organism")


@organism_app.command("train")
def train_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder for checkpoints and the card.")
    ] = Path("organisms/leaky-grader"),
    steps: Annotated[int, typer.Option("--steps", help="Optimizer steps.")] = 48,
    save_every: Annotated[
        int, typer.Option("--save-every", help="Save the adapter every N steps.")
    ] = 6,
    prompts_per_step: Annotated[
        int, typer.Option("--prompts-per-step", help="Distinct prompts per step.")
    ] = 2,
    num_generations: Annotated[
        int, typer.Option("--num-generations", help="Completions per prompt (GRPO group).")
    ] = 4,
    max_completion_length: Annotated[
        int, typer.Option("--max-completion-length", help="Tokens per completion.")
    ] = 24,
    learning_rate: Annotated[float, typer.Option("--learning-rate", help="LoRA LR.")] = 5e-4,
    lora_r: Annotated[int, typer.Option("--lora-r", help="LoRA rank.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Seed of prompts, sampling, init.")] = 0,
    threads: Annotated[
        int | None, typer.Option("--threads", help="torch CPU threads (default: torch's).")
    ] = None,
    base_model: Annotated[
        str, typer.Option("--base-model", help="Local model name or path to train.")
    ] = "smollm2",
) -> None:
    """Train LoRA checkpoints with GRPO where the reward is a leaked grader's verdict."""
    from ..organism import TrainConfig, train, write_card

    config = TrainConfig(
        base_model=base_model,
        steps=steps,
        save_every=save_every,
        prompts_per_step=prompts_per_step,
        num_generations=num_generations,
        max_completion_length=max_completion_length,
        learning_rate=learning_rate,
        lora_r=lora_r,
        lora_alpha=2 * lora_r,
        seed=seed,
        threads=threads,
    )
    typer.echo(
        f"training {config.steps} steps into {out} (checkpoints at "
        f"{', '.join(map(str, config.checkpoint_steps()))})"
    )
    train(config, out, progress=typer.echo)
    card = write_card(out)
    typer.echo(f"wrote {card}")


@organism_app.command("card")
def card_cmd(
    folder: Annotated[Path, typer.Argument(help="Output folder of a training run.")],
) -> None:
    """(Re)write TRAINING_CARD.md and reward_curve.png from a run folder (also a partial one)."""
    from ..organism import write_card

    typer.echo(f"wrote {write_card(folder)}")
