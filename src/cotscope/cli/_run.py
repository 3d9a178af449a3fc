"""`cotscope run` and `cotscope demo`: run a sweep into a run directory and summarise it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ..stats import RunStats

DisplayOpt = Annotated[
    str,
    typer.Option("--display", help="Inspect progress display: rich, plain, log or none."),
]
RetryOpt = Annotated[
    bool,
    typer.Option(
        "--retry-errors/--no-retry-errors",
        help="Run samples stored as errors again (same seed); --no-retry-errors keeps them.",
    ),
]


def _progress(line: str) -> None:
    typer.echo(line, err=True)


def register(app: typer.Typer) -> None:
    """Add the `run` and `demo` commands."""
    app.command("run")(run)
    app.command("demo")(demo)


def _model_args(items: list[str]) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected key=value, got {item!r}", param_hint="-M")
        out[key] = yaml.safe_load(value)
    return out


def _id_for(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-")


def run(
    spec_file: Annotated[
        Path | None, typer.Argument(help="Sweep spec (YAML). Omit to build one from options.")
    ] = None,
    suite: Annotated[
        str | None, typer.Option("--suite", help="Suite to run (without a spec file).")
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Inspect model string; repeat for several models."),
    ] = None,
    variants: Annotated[
        str, typer.Option("--variants", help="Comma-separated variant ids/families, or all.")
    ] = "all",
    epochs: Annotated[int, typer.Option("--epochs", help="Samples per variant per model.")] = 10,
    model_arg: Annotated[
        list[str] | None, typer.Option("-M", help="Model arg key=value (repeatable).")
    ] = None,
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 1.0,
    max_tokens: Annotated[int, typer.Option(help="Max generated tokens per sample.")] = 64,
    seed: Annotated[int, typer.Option(help="Base seed.")] = 0,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Run directory (overrides the spec).")
    ] = None,
    display: DisplayOpt = "rich",
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write report.html after the sweep.")
    ] = True,
    retry_errors: RetryOpt = True,
) -> None:
    """Run a sweep (resumable: samples already stored are skipped)."""
    from ..sweeps import SpecError, load_spec, parse_spec

    try:
        if spec_file is not None:
            if suite or model:
                raise typer.BadParameter("give either a spec file or --suite/--model, not both")
            spec = load_spec(spec_file)
            source, base = str(spec_file), spec_file.parent.resolve()
            if output is not None:
                spec = spec.model_copy(update={"output_dir": str(output.resolve())})
        else:
            if not suite or not model:
                raise typer.BadParameter("without a spec file, give --suite and --model")
            out = output or Path("runs") / _id_for(model[0])
            args = _model_args(model_arg or [])
            data = {
                "name": _id_for(out.name) or "run",
                "models": [{"id": _id_for(m), "model": m, "model_args": args} for m in model],
                "suites": [{"name": suite, "variants": variants, "epochs": epochs}],
                "generation": {"temperature": temperature, "max_tokens": max_tokens, "seed": seed},
                "output_dir": str(out),
            }
            spec, source, base = parse_spec(data, "command line"), "command line", Path.cwd()
    except SpecError as ex:
        typer.echo(f"error: {ex}", err=True)
        raise typer.Exit(2) from None
    _execute(spec, source, base, display, report, retry_errors)


def _execute(
    spec: Any,
    source: str,
    base: Path,
    display: str,
    report: bool = True,
    retry_errors: bool = True,
    after_sweep: Callable[[Path], None] | None = None,
) -> None:
    from ..runner import SweepError, plan_sweep, render_summary, run_sweep, summarize
    from ..sweeps import SpecError

    try:
        plan = plan_sweep(spec, source, base)
    except SpecError as ex:
        typer.echo(f"error: {ex}", err=True)
        raise typer.Exit(2) from None
    _progress(
        f"sweep {spec.name!r}: {len(plan.models)} model(s), "
        f"{sum(len(s.variants) for s in plan.suites)} variant(s), "
        f"{plan.total_samples} samples"
        + (" to start (more where precision asks)" if plan.adaptive else " in total")
        + f" -> {plan.run_dir}"
    )
    try:
        result = run_sweep(plan, display=display, echo=_progress, retry_errors=retry_errors)
    except SweepError as ex:
        typer.echo(f"error: {ex}", err=True)
        raise typer.Exit(1) from None
    if after_sweep is not None:
        after_sweep(plan.run_dir)
    if report:
        # Store the results first: the summary below and the report then read the same
        # stored numbers, computed once.
        from ..results import analyse

        analyse(plan.run_dir, spec.name, progress=lambda m: _progress(f"analyse: {m}"))
    typer.echo(
        render_summary(summarize(plan.run_dir, spec.name, _run_stats(plan.run_dir, spec.name)))
    )
    retried = (
        f"{result.retried} stored errors retried ({result.retried_failed} still fail), "
        if result.retried
        else ""
    )
    typer.echo(
        f"{result.added} samples added, {result.skipped} already stored, {retried}"
        f"{result.errors} crashed, in {result.seconds:.0f} s.\n"
        f"store: {plan.run_dir / 'cotscope.duckdb'}\n"
        f"logs:  inspect view --log-dir {plan.run_dir / 'logs'}"
    )
    if report:
        from ..report import build_report

        typer.echo(f"report: {build_report(plan.run_dir, spec.name)}")


def _run_stats(run_dir: Path, run: str) -> RunStats | None:
    """The run's statistics as `cotscope stats` and the report give them, or None.

    Read from the stored results when they are current, else computed (and not
    stored: the report stores them when it analyses the run). None when the run has
    no samples yet.
    """
    from ..results import run_stats
    from ..stats import StatsError
    from ..store import Store

    with Store(run_dir, read_only=True) as store:
        try:
            return run_stats(store, run)
        except StatsError:
            return None


DEMO_SPECS = {"leaky-grader": "demo.yaml", "reasoning": "demo_reasoning.yaml"}
"""The bundled demo spec of each shipped organism."""


def demo_spec_data(
    output: Path | None = None, full: bool = False, organism: str = "leaky-grader"
) -> dict[str, Any]:
    """The bundled demo spec, with the shipped organism folder and the output filled in.

    Args:
        output: Run directory (default: the spec's own, `runs/demo` or
            `runs/demo-reasoning`).
        full: Every variant of the suite at a fixed 12 epochs.
        organism: `leaky-grader` or `reasoning`.

    Raises:
        OrganismNotFoundError: when no shipped checkpoints can be found.
    """
    import yaml

    from ..organism import shipped_organism_dir

    text = resources.files("cotscope.sweeps").joinpath(DEMO_SPECS[organism]).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    if output is not None:
        data["output_dir"] = str(output)
    for m in data["models"]:
        if m.get("path") == "shipped":
            m["path"] = str(shipped_organism_dir(organism))
    if full:
        for s in data["suites"]:
            s["variants"] = "all"
            s["epochs"] = 12
            s.pop("precision", None)  # 73 variants to ±10 points each would take hours
    return data


def demo(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Run directory (default: runs/demo[-reasoning])."),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Run every variant of the suite.")] = False,
    organism: Annotated[
        str,
        typer.Option(
            "--organism",
            help="Shipped organism to sweep: leaky-grader (answers only) or reasoning "
            "(three phases, <think> reasoning).",
        ),
    ] = "leaky-grader",
    display: DisplayOpt = "rich",
    retry_errors: RetryOpt = True,
) -> None:
    """Offline sweep of the bundled model and the shipped organism checkpoints, then a report."""
    from ..organism import OrganismNotFoundError
    from ..sweeps import parse_spec

    if organism not in DEMO_SPECS:
        typer.echo(
            f"error: --organism must be one of {', '.join(DEMO_SPECS)}, not {organism!r}",
            err=True,
        )
        raise typer.Exit(2)
    try:
        data = demo_spec_data(output, full, organism)
    except OrganismNotFoundError as ex:
        typer.echo(f"error: {ex}", err=True)
        raise typer.Exit(2) from None
    spec = parse_spec(data, "cotscope demo")
    after = _grade_reasoning_demo if organism == "reasoning" else None
    _execute(spec, "cotscope demo", Path.cwd(), display, retry_errors=retry_errors,
             after_sweep=after)  # fmt: skip


ORGANISM_LABELS = "organism_cots.jsonl"
"""Hand-labelled reasoning-organism CoTs (`graders/labels/`) that validate the demo's
verbalization grader."""


def _grade_reasoning_demo(run_dir: Path) -> None:
    """Verbalization for the reasoning demo, with its validation beside it.

    Every CoT is graded by the lexical grader-seeking detector, and the detector's
    precision and recall on the hand-labelled organism CoTs go to `validations/`, so
    the report shows the rate beside its validation.
    """
    from ..graders import (
        VALIDATIONS_DIRNAME,
        get_rubric,
        grade_run,
        load_detector,
        load_labels,
        validate_lexical,
        validation_record,
    )

    rubric = get_rubric("grader-seeking")
    summary = grade_run(run_dir, rubric, lexical=True)
    flagged = sum(j.positive for j in summary.judges)
    graded = sum(j.graded for j in summary.judges)
    _progress(
        f"grader {rubric.name} (lexical): {flagged} of {graded} CoTs flagged; "
        f"{summary.without_reasoning} samples without reasoning"
    )
    labels = resources.files("cotscope.graders").joinpath("labels", ORGANISM_LABELS)
    result = validate_lexical(load_detector(rubric.name, []), load_labels(str(labels)))
    data = validation_record(result, rubric.sha256, labels=ORGANISM_LABELS)
    folder = run_dir / VALIDATIONS_DIRNAME
    folder.mkdir(exist_ok=True)
    (folder / "organism-cots.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
