"""`cotscope intervene`: edit the reasoning, resample from the edit, measure the action."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

EditName = Literal["remove", "inject", "truncate", "resample-from"]
AtName = Literal["start", "before-target", "random"]
ControlName = Literal["none", "random-sentence"]


def register(app: typer.Typer) -> None:
    """Add the `intervene` command."""
    app.command("intervene")(intervene)


def intervene(
    run_dir: Annotated[Path, typer.Argument(help="Run directory holding cotscope.duckdb.")],
    edit: Annotated[EditName, typer.Option("--edit", help="The edit.")] = "remove",
    where: Annotated[
        str | None,
        typer.Option(
            "--where", help="Target: regex:<pattern>, lexical:<lexicon> or grader:<name>."
        ),
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Sentence to inject.")] = None,
    at: Annotated[AtName, typer.Option("--at", help="Injection point.")] = "start",
    control: Annotated[
        ControlName,
        typer.Option("--control", help="Also inject a neutral sentence of similar length."),
    ] = "none",
    keep_rest: Annotated[
        bool,
        typer.Option("--keep-rest", help="remove: keep the text after the target (off-policy)."),
    ] = False,
    sentence_importance: Annotated[
        bool,
        typer.Option("--sentence-importance", help="resample-from: from before every sentence."),
    ] = False,
    at_sentence: Annotated[
        int | None, typer.Option("--at-sentence", help="truncate: cut before this sentence.")
    ] = None,
    resamples: Annotated[int, typer.Option("--resamples", help="Continuations per arm.")] = 20,
    resilient: Annotated[
        bool, typer.Option("--resilient", help="Resample while removed content reappears.")
    ] = False,
    max_tries: Annotated[int, typer.Option("--max-tries", help="Tries with --resilient.")] = 5,
    max_new_tokens: Annotated[
        int, typer.Option("--max-new-tokens", help="Token budget per continuation.")
    ] = 512,
    temperature: Annotated[
        float, typer.Option("--temperature", help="Sampling temperature.")
    ] = 1.0,
    action: Annotated[
        str | None,
        typer.Option(
            "--action",
            help="Outcome counted as the action (default: the suite's own, e.g. follows-hint).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Base seed.")] = 0,
    run: Annotated[
        str | None, typer.Option("--run", help="Only this run, when the store holds several.")
    ] = None,
    model_id: Annotated[
        list[str] | None, typer.Option("--model-id", help="Only this model id (repeatable).")
    ] = None,
    suite: Annotated[
        list[str] | None, typer.Option("--suite", help="Only this suite (repeatable).")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Transcripts at most.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Continuations per batch.")] = 16,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="OpenAI-compatible completions endpoint.")
    ] = None,
    tokenizer: Annotated[
        str | None, typer.Option("--tokenizer", help="Tokenizer with the chat template.")
    ] = None,
    served_model: Annotated[
        str | None, typer.Option("--served-model", help="Model name on the completions server.")
    ] = None,
) -> None:
    """Edit the reasoning of stored transcripts, resample from the edit, and score the action."""
    from pydantic import ValidationError
    from rich.console import Console

    from ..interventions import (
        InterventionOptions,
        PrefillUnsupportedError,
        ScorerError,
        TargetError,
        intervention_effects,
        run_interventions,
    )
    from ..store import Store, StoreError

    err = Console(stderr=True)
    try:
        options = InterventionOptions(
            edit=edit, where=where, text=text, at=at, control=control, keep_rest=keep_rest,
            sentence_importance=sentence_importance, at_sentence=at_sentence,
            resamples=resamples, resilient=resilient, max_tries=max_tries,
            max_new_tokens=max_new_tokens, temperature=temperature, action=action, seed=seed,
            run=run, model_ids=model_id or [], suites=suite or [], limit=limit,
            batch_size=batch_size,
            base_url=base_url, tokenizer=tokenizer, served_model=served_model,
        )  # fmt: skip
        with err.status("intervening…") as status:
            summary = run_interventions(
                run_dir, options, lambda d, t: status.update(f"continuations {d}/{t}")
            )
    except (PrefillUnsupportedError, ScorerError, TargetError, StoreError) as ex:
        err.print(f"[red]error:[/] {ex}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except (ValueError, ValidationError) as ex:
        err.print(f"[red]error:[/] {ex}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console = Console()
    console.print(
        f"{summary.label}: {summary.transcripts} transcripts, {summary.generated} new "
        f"continuations ({summary.stored_before} already stored), backend "
        f"{', '.join(summary.backends) or '–'}, key {summary.edit_key}"
    )
    for reason, n in summary.skipped.items():
        console.print(f"  skipped {n} transcripts: {reason}")
    with Store(run_dir, read_only=True) as store:
        effects = intervention_effects(store)
    for row in effects.effects:
        if row.edit_key == summary.edit_key and row.scope == "aggregate":
            console.print(
                f"  {row.arm} − base: {_pct(row.difference)} "
                f"[{_pct(row.ci_low)}, {_pct(row.ci_high)}] "
                f"({_rate(row.rate_base)} → {_rate(row.rate_arm)}, {row.pairs} pairs; left out: "
                f"unparseable {row.unparseable_base} base / {row.unparseable_arm} {row.arm}, "
                f"errors {row.errors_base} / {row.errors_arm})"
            )
    for rep in effects.reappearance:
        if rep.edit_key == summary.edit_key:
            console.print(
                f"  reappearance: {rep.first_try}/{rep.n} first tries "
                f"({_rate(rep.rate)}), still back after retries: {rep.still_back}"
            )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}%"


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"
