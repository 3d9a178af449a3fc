"""`cotscope graders`, `grade` and `validate-grader`: graders over a run's reasoning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..graders import GradeSummary, Validation

RubricDirs = Annotated[
    list[Path] | None,
    typer.Option("--rubrics", help="Folder of user rubric files (*.md); repeatable."),
]
LexiconDirs = Annotated[
    list[Path] | None,
    typer.Option("--lexicons", help="Folder of user lexicon files (*.yaml); repeatable."),
]


def register(app: typer.Typer) -> None:
    """Add the `graders`, `grade` and `validate-grader` commands."""
    app.command("graders")(graders)
    app.command("grade")(grade)
    app.command("validate-grader")(validate_grader)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _ci(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def graders(rubrics: RubricDirs = None, lexicons: LexiconDirs = None) -> None:
    """List rubrics with version, kind, hash and whether a lexical detector exists."""
    from ..graders import RubricError, lexicon_names, load_rubrics

    try:
        found = load_rubrics(rubrics)
    except RubricError as ex:
        raise typer.BadParameter(str(ex), param_hint="--rubrics") from None
    lexical = set(lexicon_names(lexicons or []))
    width = max(len(n) for n in found)
    typer.echo(f"{'grader':<{width}}  version  sha256        lexical  kind; source")
    for name, r in sorted(found.items()):
        kind: str = r.kind
        if r.kind == "score":
            kind += " (" + ", ".join(f"{k} {s.min}-{s.max}" for k, s in r.scales.items()) + ")"
        lex = "yes" if name in lexical else "-"
        typer.echo(
            f"{name:<{width}}  v{r.version:<6}  {r.short_hash}  {lex:<7}  {kind}; {r.source}"
        )


def _print_summary(s: GradeSummary) -> None:
    echo = typer.echo
    echo(
        f"grader {s.rubric} v{s.rubric_version} ({s.rubric_hash[:12]}): {s.samples} samples, "
        f"{s.without_reasoning} without reasoning (not graded)"
    )
    for j in s.judges:
        failures = ", ".join(f"{k} {v}" for k, v in sorted(j.failures.items())) or "none"
        echo(
            f"  {j.judge}: flagged {j.positive}/{j.graded} graded = "
            f"{'judged-only rate ' if j.corrected else ''}{_pct(j.rate)}"
            f"{_ci(j.interval)} (95% Wilson); failed: {failures}; screened out "
            f"{j.screened_out}; new {j.new}, copied {j.copied}; unverified quotes "
            f"{j.unverified_quotes}"
        )
        if j.retried:
            still = sum(j.failures.values())
            echo(f"  {j.judge}: {j.retried} stored failures judged again; {still} still fail")
    for j in s.judges:
        if j.missed is not None:
            m = j.missed
            echo(
                f"prescreen audit ({j.judge}): {m.audit_positive}/{m.audited} unflagged CoTs "
                f"positive ({_pct(m.miss_rate)}{_ci(m.miss_ci)}); estimated missed positives "
                f"among {m.skipped} skipped: " + ("n/a" if m.missed is None else f"{m.missed:.1f}")
            )
        if j.corrected is not None:
            c = j.corrected
            echo(
                f"  prescreen-corrected rate ({j.judge}): {_pct(c.rate)}{_ci(c.interval)} "
                f"(95% parametric bootstrap, audit uncertainty included) over {c.n} CoTs = "
                f"judged + {c.skipped} skipped; the judged-only rate above is biased up"
            )
    if s.agreement:
        parts = [
            f"{k} = {v:.3f}" if v is not None else f"{k} = n/a" for k, v in s.agreement.items()
        ]
        echo("panel agreement: " + ", ".join(parts))


def grade(
    run_dir: Annotated[Path, typer.Argument(help="Run directory holding cotscope.duckdb.")],
    grader: Annotated[str, typer.Option("--grader", "-g", help="Rubric name or .md file.")],
    judge: Annotated[
        str | None, typer.Option("--judge", help="Inspect model string of the judge.")
    ] = None,
    panel: Annotated[
        list[str] | None, typer.Option("--panel", help="Further judges (a panel); repeatable.")
    ] = None,
    lexical: Annotated[
        bool, typer.Option("--lexical", help="Grade with the rubric's lexical detector.")
    ] = False,
    prescreen: Annotated[
        str | None,
        typer.Option("--prescreen", help="`lexical`: judge only flagged CoTs plus an audit."),
    ] = None,
    audit: Annotated[
        float, typer.Option("--audit", help="Share of unflagged CoTs audited by the judge.")
    ] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the audit sample.")] = 0,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Judge output budget.")] = 1024,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.0,
    max_connections: Annotated[int, typer.Option("--max-connections")] = 8,
    limit: Annotated[int | None, typer.Option("--limit", help="Grade at most N CoTs.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Run name if several.")] = None,
    retry_failures: Annotated[
        bool,
        typer.Option(
            "--retry-failures/--no-retry-failures",
            help="Judge stored failures again (default); --no-retry-failures keeps them.",
        ),
    ] = True,
    rubrics: RubricDirs = None,
    lexicons: LexiconDirs = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    executor: Annotated[
        str,
        typer.Option("--executor", help="`local` (one process) or `ray` (judge calls on Ray)."),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option("--address", help="Ray cluster to join (`auto`); default: a local Ray."),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(
            "--storage", help="Ray grade shards: folder or fsspec URL (default RUN/grade-shards)."
        ),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="Transcripts per Ray task.", min=1)
    ] = 256,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch", help="Provider batch APIs through Inspect (about half price, hours)."
        ),
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", help="Requests per batch with --batch (Inspect: 100).", min=1),
    ] = None,
    display: Annotated[
        str,
        typer.Option(
            "--display",
            help="Progress of the judge calls on stderr: rich (bars), plain (lines) or none.",
        ),
    ] = "rich",
) -> None:
    """Grade a run's reasoning with a rubric, by judges, a panel and/or the lexical detector."""
    from dataclasses import asdict

    from ..graders import JudgeSpec, RubricError, get_rubric, grade_run
    from ..graders._judging import GradeChunksFailed

    if prescreen not in (None, "lexical"):
        raise typer.BadParameter("only `lexical` is available", param_hint="--prescreen")
    models = ([judge] if judge else []) + list(panel or [])
    if not models and not lexical:
        raise typer.BadParameter("give --judge (and optionally --panel) or --lexical")
    if prescreen and not models:
        raise typer.BadParameter("a prescreen needs a --judge", param_hint="--prescreen")
    if display not in ("rich", "plain", "none"):
        raise typer.BadParameter("rich, plain or none", param_hint="--display")
    if executor not in ("local", "ray"):
        raise typer.BadParameter("`local` or `ray`", param_hint="--executor")
    if batch_size is not None and not batch:
        raise typer.BadParameter("--batch-size needs --batch", param_hint="--batch-size")
    try:
        rubric = get_rubric(grader, rubrics)
    except RubricError as ex:
        raise typer.BadParameter(str(ex), param_hint="--grader") from None
    mode = (batch_size or True) if batch else None
    specs = [JudgeSpec(m, temperature, max_tokens, max_connections, batch=mode) for m in models]
    try:
        summary = grade_run(
            run_dir, rubric, specs, lexical=lexical, prescreen="lexical" if prescreen else None,
            audit_fraction=audit, seed=seed, run=run, limit=limit,
            retry_failures=retry_failures, lexicon_folders=lexicons,
            executor="ray" if executor == "ray" else "local", address=address, storage=storage,
            chunk_size=chunk_size, echo=lambda m: typer.echo(m, err=True), display=display,
        )  # fmt: skip
    except (KeyError, ValueError, GradeChunksFailed) as ex:
        typer.echo(f"error: {ex}", err=True)
        raise typer.Exit(1) from None
    if json_out:
        typer.echo(json.dumps(asdict(summary), indent=2, default=str))
    else:
        _print_summary(summary)


def _print_validation(v: Validation, split: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"{v.grader} by {v.judge} on {v.n} labelled excerpts"
                  + (f" (split {split})" if split else ""))  # fmt: skip
    metrics = Table("metric", "value", "95% interval")
    metrics.add_row("precision", _pct(v.precision), _ci(v.precision_interval) + " Wilson")
    metrics.add_row("recall", _pct(v.recall), _ci(v.recall_interval) + " Wilson")
    metrics.add_row("F1", _pct(v.f1), _ci(v.f1_interval) + " bootstrap")
    console.print(metrics)
    matrix = Table("", "predicted yes", "predicted no")
    matrix.add_row("labelled yes", str(v.tp), str(v.fn))
    matrix.add_row("labelled no", str(v.fp), str(v.tn))
    console.print(matrix)
    failed = sum(v.failures.values())
    console.print(
        f"judge failures (not in the matrix): {failed}"
        + (
            " (" + ", ".join(f"{k}: {n}" for k, n in sorted(v.failures.items())) + ")"
            if failed
            else ""
        )
    )
    if v.errors:
        console.print("misclassified: " + ", ".join(str(e["id"]) for e in v.errors[:30]))


def validate_grader(
    grader: Annotated[str, typer.Option("--grader", "-g", help="Rubric name or .md file.")],
    judge: Annotated[
        str | None,
        typer.Option(
            "--judge", help="Inspect model string; omit to validate the lexical detector."
        ),
    ] = None,
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Labelled JSONL file (default: shipped set).")
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only this split: dev or heldout.")
    ] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 1024,
    max_connections: Annotated[int, typer.Option("--max-connections")] = 8,
    rubrics: RubricDirs = None,
    lexicons: LexiconDirs = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON here.")] = None,
) -> None:
    """Precision, recall and F1 (with intervals) and the confusion matrix on labelled excerpts."""
    from ..graders import (
        JudgeSpec,
        RubricError,
        get_rubric,
        load_detector,
        load_labels,
        validate_judge,
        validate_lexical,
        validation_record,
    )

    try:
        rubric = get_rubric(grader, rubrics)
        items = load_labels(labels)
    except (RubricError, OSError, ValueError) as ex:
        raise typer.BadParameter(str(ex)) from None
    if rubric.kind != "label":
        raise typer.BadParameter("validation needs a label rubric", param_hint="--grader")
    if not any(rubric.name in i.labels for i in items):
        raise typer.BadParameter(f"no excerpt is labelled for {rubric.name!r}")
    if judge is None:
        try:
            detector = load_detector(rubric.name, lexicons or [])
        except KeyError as ex:
            raise typer.BadParameter(str(ex), param_hint="--grader") from None
        result = validate_lexical(detector, items, split)
    else:
        result = validate_judge(
            rubric, JudgeSpec(judge, 0.0, max_tokens, max_connections), items, split
        )
    data = validation_record(result, rubric.sha256, split)
    if out is not None:
        out.write_text(json.dumps(data, indent=2, default=str))
    if json_out:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        _print_validation(result, split)
