"""`cotscope terms`: words a run's reasoning overuses against human text, since when, and how."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the `terms` command."""
    app.command("terms")(terms)


def terms(
    run_dir: Annotated[Path, typer.Argument(help="Run directory holding cotscope.duckdb.")],
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--compare",
            help="Compare two checkpoints: step:N, model:ID, order:K or a model id (A then B).",
        ),
    ] = None,
    track: Annotated[
        str | None,
        typer.Option(
            "--track",
            help="Track these terms instead of the default list: comma-separated; "
            "a|b counts forms together; a default term's name keeps its forms.",
        ),
    ] = None,
    terms_file: Annotated[
        Path | None, typer.Option("--terms-file", help="Tracked-terms YAML replacing the default.")
    ] = None,
    kwic: Annotated[int, typer.Option("--kwic", help="Uses in context per term (0: none).")] = 3,
    suite: Annotated[
        list[str] | None, typer.Option("--suite", help="Only this suite (repeatable).")
    ] = None,
    pool_suites: Annotated[
        bool, typer.Option("--pool-suites", help="Analyse all suites as one corpus.")
    ] = False,
    top: Annotated[int, typer.Option("--top", help="Terms per list.")] = 20,
    min_cots: Annotated[
        int, typer.Option("--min-cots", help="Test only words used in at least this many CoTs.")
    ] = 5,
    alpha: Annotated[float, typer.Option("--alpha", help="Family-wise error rate (Holm).")] = 0.05,
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge",
            help="Inspect model that judges whether each KWIC use refers outside the scenario "
            "(rubric term-reference); --kwic sets how many uses per term it reads.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the JSON result to this file.")
    ] = None,
) -> None:
    """Name the words a run's reasoning overuses against human text, since when, and how."""
    from rich.console import Console

    from ..store import Store, StoreError
    from ..terms import TermsOptions, analyse_terms, load_term_file, parse_user_terms
    from ..terms._render import render
    from ._report import note_if_running

    try:
        defaults = load_term_file(terms_file)
        tracked = parse_user_terms(track, defaults) if track is not None else None
    except (OSError, ValueError) as ex:
        raise typer.BadParameter(str(ex), param_hint="--track/--terms-file") from None
    options = TermsOptions(
        suites=suite or [],
        pool_suites=pool_suites,
        top=top,
        min_cots=min_cots,
        alpha=alpha,
        kwic=kwic,
        compare=compare,
        track=[list(t.forms) for t in tracked] if tracked is not None else None,
        terms_file=str(terms_file) if terms_file else None,
    )
    err = Console(stderr=True)
    try:
        with Store(run_dir, read_only=True) as store:
            note_if_running(run_dir)
            with err.status("counting words and testing trends…"):
                result = analyse_terms(store, options, str(run_dir))
            if judge is not None:
                import asyncio

                from ..graders import JudgeSpec
                from ..terms import judge_outside_scenario
                from ..terms._rubric_judge import RubricUsageJudge

                with err.status(f"judging uses with {judge}…"):
                    usage_judge = RubricUsageJudge(JudgeSpec(judge), store)
                    asyncio.run(judge_outside_scenario(result, usage_judge))
    except StoreError as ex:
        err.print(f"[red]error:[/] {ex}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if not result.suites:
        err.print(f"[yellow]no samples in {run_dir}[/]")
    text = result.model_dump_json(indent=2)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    if json_out:
        typer.echo(text)
    else:
        render(result, Console())
