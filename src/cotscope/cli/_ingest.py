"""`cotscope ingest`: bring transcripts from training runs and other tools into a store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ..ingest import IngestResult

_EPILOG = """\
Examples:\n
  cotscope ingest rollouts.jsonl -o runs/rl --map step=global_step --map reasoning=cot
  --map answer=completion\n
  cotscope ingest dump.jsonl -o runs/rl --map run=experiment --map step=step --map outcome=hack\n
  cotscope ingest 300.jsonl 340.jsonl -o runs/rup --map step=step --map prompt=input
  --map answer=output --map outcome=monitor_correctness --map outcome=all_correct\n
  cotscope ingest logs/*.eval -o runs/evals\n
  cotscope ingest chats.jsonl --format openai-chat --model-id o3-late --step 900 -o runs/x\n
Map targets: id, model_id, model, step, run, suite, variant, variant_family, epoch, prompt,
reasoning, reasoning_kind, answer, messages, outcome, error, input_tokens, output_tokens,
reasoning_tokens, labels.<name>, metadata.<name>. Sources are dotted paths (numbers index
lists: messages.-1.content); end one with ? when records may lack it.
The transcript schema: docs/transcript-schema.md (or --print-schema).
"""


def register(app: typer.Typer) -> None:
    """Add the `ingest` command."""
    app.command("ingest", epilog=_EPILOG)(ingest)


def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Input files or directories (JSONL, JSON, Parquet, .eval, text)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Run directory to write into.")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="cotscope, openai-chat, anthropic, inspect, text or map; detected if omitted.",
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", "-m", help="target=source: take a schema field from a record path."),
    ] = None,
    model_id: Annotated[
        str | None, typer.Option("--model-id", help="Model/checkpoint id for every record.")
    ] = None,
    step: Annotated[
        int | None, typer.Option("--step", min=0, help="Training step for every record.")
    ] = None,
    suite: Annotated[str | None, typer.Option("--suite", help="Suite for every record.")] = None,
    run_id: Annotated[
        str | None,
        typer.Option(
            "--run-id", help="Training run for every record (one curve per run; or --map run=F)."
        ),
    ] = None,
    phase: Annotated[
        str | None,
        typer.Option("--phase", help="Training phase for every record (or --map phase=F)."),
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error",
            help="fail: stop at the first bad record, write nothing. "
            "skip: ingest the rest, write rejects to a file.",
        ),
    ] = "fail",
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Rejects file for --on-error skip [<out>/ingest-rejects.jsonl]."
        ),
    ] = None,
    max_record_mb: Annotated[
        float, typer.Option("--max-record-mb", min=0.001, help="Largest accepted record, MiB.")
    ] = 64.0,
    drop_extra: Annotated[
        bool,
        typer.Option(
            "--drop-extra",
            help="Drop record fields outside the schema (default: keep in metadata).",
        ),
    ] = False,
    outcome_name: Annotated[
        str | None,
        typer.Option(
            "--outcome-name",
            help="Name of a true/false outcome in stats and the report [the mapped field's].",
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar on a terminal.")
    ] = True,
    print_schema: Annotated[
        bool, typer.Option("--print-schema", help="Print the transcript JSON Schema and exit.")
    ] = False,
) -> None:
    """Ingest transcripts (RL rollouts, Inspect logs, chat exports) into a run directory.

    Every record lands as one sample row, marked with its file and line. The whole
    command is one transaction: with --on-error fail (the default) a bad record stops
    it and the store is left exactly as it was. Re-ingesting the same content is a no-op.
    Several `--map outcome=FIELD` store the records once per field, each as its own suite
    (one transaction per field: run the command again after a failure to finish).
    """
    from rich.console import Console

    from ..ingest import (
        FORMATS,
        FieldMap,
        IngestAborted,
        IngestOptions,
        IngestUsageError,
        render_schema,
    )
    from ..ingest import ingest as run_ingest
    from ..store import StoreError

    if print_schema:
        typer.echo(render_schema(), nl=False)
        return
    if not paths:
        raise typer.BadParameter("give at least one input file", param_hint="PATHS")
    if out is None:
        raise typer.BadParameter("give the run directory to write into", param_hint="--out")
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    if on_error not in ("fail", "skip"):
        raise typer.BadParameter("choose fail or skip", param_hint="--on-error")
    console = Console(stderr=True)
    passes = _outcome_passes(mapping or [], suite, outcome_name)
    results = []
    try:
        for pass_map, pass_suite in passes:
            options = IngestOptions(
                out=out,
                fmt=fmt,
                fmap=FieldMap.parse(pass_map),
                model_id=model_id,
                step=step,
                suite=pass_suite,
                run_id=run_id,
                phase=phase,
                on_error=on_error,  # type: ignore[arg-type]
                rejects=rejects,
                max_record_mb=max_record_mb,
                keep_extra=not drop_extra,
                outcome_name=outcome_name,
            )
            bar = _RichProgress(console) if progress and console.is_terminal else None
            try:
                results.append(run_ingest(paths, options, bar))
            finally:
                if bar is not None:
                    bar.close()
    except IngestUsageError as ex:
        raise typer.BadParameter(str(ex)) from None
    except IngestAborted as ex:
        console.print(f"[red]error:[/red] {ex.problem}", highlight=False, soft_wrap=True)
        console.print(
            "Nothing was written: the store is exactly as it was. Fix the input, or use "
            "--on-error skip to ingest the valid records and list the others in a file.",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    except StoreError as ex:
        console.print(f"[red]error:[/red] {ex}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    stdout = Console()
    if not stdout.is_terminal:
        stdout.width = 140  # a log file: no need to squeeze the table to 80 columns
    for (_, pass_suite), result in zip(passes, results, strict=True):
        if len(passes) > 1:
            stdout.print(f"suite {pass_suite}:", highlight=False)
        _print_result(stdout, result)


def _outcome_passes(
    mapping: list[str], suite: str | None, outcome_name: str | None
) -> list[tuple[list[str], str | None]]:
    """One ingest per mapped outcome field: (its --map list, its suite).

    With one `outcome=` map (or none) that is the command as given. Several, e.g.
    `--map outcome=monitor_correctness --map outcome=all_correct`, store the records
    once per field, each as its own suite named after the field (after `--suite` and a
    `/` when given), so each outcome is its own measure with its own name.
    """
    outcomes = [m for m in mapping if m.split("=", 1)[0].strip() == "outcome"]
    if len(outcomes) < 2:
        return [(mapping, suite)]
    if outcome_name is not None:
        raise typer.BadParameter(
            "give --outcome-name with one outcome map; several are named after their fields",
            param_hint="--outcome-name",
        )
    if any(m.split("=", 1)[0].strip() == "suite" for m in mapping):
        raise typer.BadParameter(
            "several outcome maps each make a suite; drop --map suite=...", param_hint="--map"
        )
    rest = [m for m in mapping if m not in outcomes]
    passes: list[tuple[list[str], str | None]] = []
    for m in outcomes:
        field = m.split("=", 1)[1].strip().rstrip("?").split(".")[-1]
        passes.append(([*rest, m], f"{suite}/{field}" if suite else field))
    return passes


def _print_result(console: Console, result: IngestResult) -> None:
    from rich.table import Table

    table = Table(
        title=f"ingest → {result.store.parent} (run {result.run!r})",
        title_justify="left",
        caption="stored: already in the store, unchanged; repeats: an id seen before "
        "in this input, same content, kept once",
        caption_justify="left",
    )
    longest = max((len(Path(f.path).name) for f in result.files), default=4)
    table.add_column("file", overflow="fold", min_width=min(longest, 48))
    table.add_column("format")
    for col in ("records", "added", "stored", "repeats", "rejected"):
        table.add_column(col, justify="right")
    for f in result.files:
        table.add_row(
            Path(f.path).name, f.format, str(f.records), str(f.added), str(f.unchanged),
            str(f.duplicates), str(f.rejected),
        )  # fmt: skip
    console.print(table)
    mb = result.bytes / 2**20
    rate = mb / result.seconds if result.seconds else 0.0
    console.print(
        f"{result.total('added')} samples added, {result.total('unchanged')} already stored "
        f"({mb:.1f} MB in {result.seconds:.1f} s, {rate:.1f} MB/s).",
        highlight=False,
    )
    if result.first_duplicate:
        console.print(
            f"{result.total('duplicates')} records repeated an id with identical content and "
            f"were kept once (first: {result.first_duplicate}).",
            highlight=False,
        )
    if result.rejects_path is not None:
        console.print(
            f"[yellow]{result.total('rejected')} records rejected[/yellow]; reasons in "
            f"{result.rejects_path}",
            highlight=False,
        )


class _RichProgress:
    """Byte progress per file, drawn on stderr."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[records]} records"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._progress.start()
        self._task: Any = None

    def start_file(self, name: str, total_bytes: int) -> None:
        self._task = self._progress.add_task(name, total=total_bytes, records=0)

    def advance(self, done_bytes: int, records: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=done_bytes, records=records)

    def end_file(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None

    def close(self) -> None:
        self._progress.stop()
