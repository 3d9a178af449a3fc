"""`cotscope organism`: train a model organism (leaky-grader, reasoning), write its card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

organism_app = typer.Typer(
    help="Model organisms: RL in an environment whose grader leaks (leaky-grader), and a "
    "reasoning organism trained in three phases (reasoning).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `organism` command group."""
    app.add_typer(organism_app, name="organism")


@organism_app.command("train")
def train_cmd(
    recipe: Annotated[
        str,
        typer.Option(
            "--recipe",
            help="leaky-grader (GRPO, the options below) or reasoning (every phase of "
            "ReasoningRecipe; resumable: run the same command again to continue).",
        ),
    ] = "leaky-grader",
    recipe_file: Annotated[
        Path | None,
        typer.Option(
            "--recipe-file", help="JSON or YAML overriding ReasoningRecipe fields (reasoning)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default: organisms/<recipe>)."),
    ] = None,
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
    """Train LoRA checkpoints of a model organism (see docs/organism.md)."""
    from ..organism import TrainConfig, train, write_card

    if recipe not in ("leaky-grader", "reasoning"):
        typer.echo(f"error: --recipe must be leaky-grader or reasoning, not {recipe!r}", err=True)
        raise typer.Exit(2)
    out = out or Path("organisms") / recipe
    if recipe == "reasoning":
        _train_reasoning(out, recipe_file, seed, threads, base_model)
        return

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


def _train_reasoning(
    out: Path, recipe_file: Path | None, seed: int, threads: int | None, base_model: str
) -> None:
    import yaml
    from pydantic import ValidationError

    from ..organism import ReasoningRecipe, RecipeMismatchError, train_reasoning

    fields: dict[str, object] = {"seed": seed, "threads": threads, "base_model": base_model}
    if recipe_file is not None:
        try:
            fields |= yaml.safe_load(recipe_file.read_text()) or {}
            recipe = ReasoningRecipe.model_validate(fields)
        except (OSError, yaml.YAMLError, ValidationError, TypeError) as ex:
            typer.echo(f"error: {recipe_file}: {ex}", err=True)
            raise typer.Exit(2) from None
    else:
        recipe = ReasoningRecipe.model_validate(fields)
    typer.echo(f"training the reasoning organism into {out} (resumes a partial run)", err=True)
    try:
        train_reasoning(recipe, out, progress=lambda line: typer.echo(line, err=True))
    except RecipeMismatchError as ex:
        typer.echo(f"error: {ex}", err=True)
        raise typer.Exit(2) from None
    from ..organism import write_reasoning_card

    typer.echo(f"wrote {write_reasoning_card(out)}", err=True)
    typer.echo(str(out / "organism.json"))


@organism_app.command("card")
def card_cmd(
    folder: Annotated[Path, typer.Argument(help="Output folder of a training run.")],
) -> None:
    """(Re)write TRAINING_CARD.md and its curves from a run folder (also a partial one)."""
    from ..organism import write_card, write_reasoning_card

    reasoning = (folder / "organism.json").is_file()
    if not reasoning and not (folder / "config.json").is_file():
        typer.echo(
            f"error: {folder} holds no training run yet (no organism.json or config.json)",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(f"wrote {write_reasoning_card(folder) if reasoning else write_card(folder)}")
