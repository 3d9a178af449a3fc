"""`cotscope report`, `cotscope stats` and `cotscope compare`: read a run, never write samples."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

RunDir = Annotated[Path, typer.Argument(help="Run directory holding cotscope.duckdb.")]
RunName = Annotated[
    str | None, typer.Option("--run", help="Run name, when the store holds several.")
]
Confidence = Annotated[float, typer.Option("--confidence", help="Coverage of every interval.")]


def register(app: typer.Typer) -> None:
    """Add the `report`, `stats` and `compare` commands."""
    app.command("report")(report)
    app.command("stats")(stats)
    app.command("compare")(compare)


def open_store(run_dir: Path) -> Any:
    """The store, read-only; a note on stderr when a writer is still adding to it."""
    from ..store import Store

    store = Store(run_dir, read_only=True)
    note_if_running(run_dir)
    return store


def note_if_running(run_dir: Path) -> None:
    """Say on stderr that the numbers are a snapshot of a run still being written."""
    from ..store import active_writer

    writer = active_writer(run_dir)
    if writer is not None:
        typer.echo(
            f"note: {run_dir} is still being written ({writer.describe()}); "
            "what follows covers the samples committed so far",
            err=True,
        )


def _fail(message: str) -> typer.Exit:
    """An `error:` line and exit code 2: the command line names what the run lacks."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def report(
    run_dir: RunDir,
    run: RunName = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Folder for report.html and figures/ (default: RUN_DIR)."
        ),
    ] = None,
    max_transcripts: Annotated[
        int, typer.Option("--max-transcripts", help="Transcripts embedded in the page (sampled).")
    ] = 1000,
    max_chars: Annotated[
        int, typer.Option("--max-chars", help="Characters kept per prompt/reasoning/answer.")
    ] = 6000,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Draw SVG figures.")
    ] = True,
) -> None:
    """Write RUN_DIR/report.html (and figures/) and print its path."""
    from ..report import ReportOptions, build_report
    from ..stats import StatsError

    options = ReportOptions(max_transcripts=max_transcripts, max_chars=max_chars, figures=figures)
    note_if_running(run_dir)
    try:
        path = build_report(run_dir, run, options, out_dir=output)
    except StatsError as ex:
        raise _fail(f"{run_dir}: {ex}") from None
    typer.echo(str(path))


def stats(
    run_dir: RunDir,
    run: RunName = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every number as one JSON object.")
    ] = False,
    confidence: Confidence = 0.95,
) -> None:
    """Rates with intervals per model and family, trend tests and first rises."""
    from ..report import interval, p_text, pct
    from ..results import current_results, results_state, run_stats
    from ..stats import StatsError, resolve_run
    from ._text_table import text_table

    with open_store(run_dir) as store:
        try:
            name = resolve_run(store, run)
            state = results_state(store, name)
            result = run_stats(store, name, confidence=confidence, state=state)
        except StatsError as ex:
            raise _fail(f"{run_dir}: {ex}") from None
        stored = current_results(store, name, exclude=["rates"], state=state) if as_json else {}
        stale = state.stale
    if as_json:
        data = result.to_json()
        # Every other measure's stored result (`cotscope analyse`); the rates above are
        # computed afresh, at the requested confidence.
        data["results"] = {
            name: {"version": r.version, "inputs_hash": r.inputs_hash,
                   "created_at": r.created_at.isoformat(), "seconds": r.seconds,
                   "result": r.payload}
            for name, r in stored.items() if r.applies
        }  # fmt: skip
        data["stale_results"] = [m for m in stale if m != "rates"]
        if data["stale_results"]:
            typer.echo(
                f"note: no current result (or a stale one) for {', '.join(data['stale_results'])}; "
                f"run `cotscope analyse {run_dir}` to compute them",
                err=True,
            )
        # msgspec encodes in C: json.dumps took seconds on a million-rollout log's rows.
        import msgspec

        encoded = msgspec.json.format(msgspec.json.encode(data, enc_hook=str), indent=1)
        # Bytes straight to stdout: echo would decode them and scan the text for terminal
        # codes to strip, ~0.25 s on a million-rollout log's 50 MB.
        sys.stdout.flush()
        sys.stdout.buffer.write(encoded + b"\n")
        sys.stdout.buffer.flush()
        return
    out: list[str] = []
    several = len(result.runs) > 1
    for suite, measures in result.measures.items():
        # A suite of one family (every ingest) would print each line twice.
        one_family = len(result.families.get(suite, [])) == 1
        for measure in measures:
            x_name = "step" if result.x_axis == "step" else "model"
            columns: tuple[str, ...] = ("run",) if several else ()
            columns += (x_name, "family", "n", "rate", "95% CI", "unparseable", "error")
            rows: list[tuple[str, ...]] = []
            tick = {m.key: m.tick for m in result.models}
            dense = {b.run_id: b.binned for b in result.binned
                     if (b.suite, b.measure) == (suite, measure)}  # fmt: skip
            for run_id, binned in dense.items():
                for b in binned.bins:
                    cells = (run_id,) if several else ()
                    steps = f"{b.first_step:.0f}–{b.last_step:.0f}"
                    ci = interval(b.ci_low, b.ci_high)
                    rows.append((*cells, steps, "(all, bin)", str(b.n), pct(b.rate), ci, "", ""))
            for r in result.rates:
                if r.suite == suite and r.measure == measure and r.level != "variant":
                    if r.run_id in dense or (one_family and r.level == "family"):
                        continue
                    cells = (r.run_id,) if several else ()
                    rows.append((
                        *cells, tick[(r.run_id, r.model_id)], r.family or "(all)", str(r.n),
                        pct(r.rate), interval(r.ci_low, r.ci_high), str(r.unparseable),
                        str(r.error),
                    ))  # fmt: skip
            out.append(text_table(f"{suite}: {measure}", columns, rows, ("model", "family", "run")))
            for t, rise in zip(
                [t for t in result.trends if t.suite == suite and t.measure == measure],
                [x for x in result.rises if x.suite == suite and x.measure == measure],
                strict=True,
            ):
                if one_family and t.family is not None:
                    continue
                who = t.family or "all variants"
                who = f"run {t.run_id}, {who}" if several else who
                trend = (
                    f"{t.result.direction} ({t.result.method}, {p_text(t.result.p_value)})"
                    if t.result.p_value is not None
                    else f"not testable ({t.result.note})"
                )
                first = rise.first_rise_model_id or "none"
                if rise.window_min_n is not None and rise.first_rise_step is not None:
                    first = f"steps {rise.first_rise_step}–{rise.first_rise_last_step}"
                out.append(f"  {who}: trend {trend}; first significant rise: {first}")
                change = result.change_for(t.suite, t.family, t.measure, t.run_id)
                if change is not None and change.change is not None:
                    if change.change.p_value < 0.05:
                        text = change.change.sentence(f"{measure} rate")
                    else:
                        text = f"none (best split p = {change.change.p_value:.2f})"
                    out.append(f"    change point: {text}")
                elif change is not None and change.note:
                    out.append(f"    change point: none; {change.note}")
            for d in result.run_diffs:
                if (d.suite, d.measure) == (suite, measure):
                    out.append(f"  {d.sentence()}")
    if result.summary:
        out += ["", "Summary", *(f"  {line.text}" for line in result.summary)]
    typer.echo("\n".join(out))


def compare(
    run_dir: RunDir,
    model_a: Annotated[str, typer.Argument(help="Model id of A (the reference).")],
    model_b: Annotated[str, typer.Argument(help="Model id of B; differences are B − A.")],
    run: RunName = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    confidence: Confidence = 0.95,
) -> None:
    """Compare two models or checkpoints, paired on the same prompts when they share them."""
    from dataclasses import asdict

    from rich import box
    from rich.console import Console
    from rich.table import Table

    from ..report import p_text, pct
    from ..stats import StatsError, compare_models

    with open_store(run_dir) as store:
        try:
            rows = compare_models(store, model_a, model_b, run, confidence)
        except StatsError as ex:
            raise _fail(f"{run_dir}: {ex}") from None
    if as_json:
        out = [
            {"suite": r.suite, "family": r.family, "measure": r.measure, "model_a": model_a,
             "model_b": model_b, **asdict(r.comparison)}
            for r in rows
        ]  # fmt: skip
        typer.echo(json.dumps(out, indent=1))
        return
    console = Console()
    for suite, measure in dict.fromkeys((r.suite, r.measure) for r in rows):
        table = Table(
            title=f"{suite} · {measure}: {model_b} − {model_a} (points)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        table.add_column("family", no_wrap=True, max_width=18)
        for col in ("n", "A", "B", "B − A", "95% CI", "p"):
            table.add_column(col, justify="right", no_wrap=True)
        for r in rows:
            if (r.suite, r.measure) != (suite, measure):
                continue
            c = r.comparison
            diff = ci = ""
            if c.difference is not None and c.ci_low is not None and c.ci_high is not None:
                diff = f"{100 * c.difference:+.1f}"
                ci = f"[{100 * c.ci_low:+.1f}, {100 * c.ci_high:+.1f}]"
            n = f"{c.n_a} pairs" if c.design == "paired" else f"{c.n_a} / {c.n_b}"
            p = p_text(c.p_value).removeprefix("p ").removeprefix("= ")
            table.add_row(r.family or "(all)", n, pct(c.rate_a), pct(c.rate_b),
                          diff or "no data", ci, p)  # fmt: skip
        console.print(table)
    console.print(
        "n pairs: paired on shared prompts (McNemar exact test, Bayesian paired bootstrap "
        "interval); n / n: unpaired (Fisher exact test, Newcombe interval).",
        highlight=False,
    )
