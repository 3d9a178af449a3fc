"""`cotscope run` and `cotscope demo`: run a sweep into a run directory and summarise it."""

from __future__ import annotations

import re
from collections.abc import Callable
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
    """Add the `run` command."""
    app.command("run")(run)


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
    executor: Annotated[
        str | None,
        typer.Option(
            "--executor",
            help="local (this process) or ray (one Ray task per model, suite and chunk); "
            "overrides the spec's execution.executor.",
        ),
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="Ray cluster address (auto = the cluster this machine is in); default "
            "starts a local Ray. Implies --executor ray.",
        ),
    ] = None,
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
    spec = _with_execution(spec, executor, address)
    _execute(spec, source, base, display, report, retry_errors)


def _with_execution(spec: Any, executor: str | None, address: str | None) -> Any:
    """The spec with `--executor` / `--address` applied to its `execution` block."""
    if executor is None and address is None:
        return spec
    if executor not in (None, "local", "ray"):
        raise typer.BadParameter("must be local or ray", param_hint="--executor")
    if executor == "local" and address is not None:
        raise typer.BadParameter("--address needs --executor ray", param_hint="--address")
    update: dict[str, Any] = {"executor": executor or "ray"}
    if address is not None:
        update["address"] = address
    execution = spec.execution.model_copy(update=update)
    return spec.model_copy(update={"execution": execution})


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
    if spec.execution.executor == "ray":
        import importlib.util

        if importlib.util.find_spec("ray") is None:
            typer.echo("error: the Ray executor needs ray: pip install 'cotscope[ray]'", err=True)
            raise typer.Exit(2)
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
    if result.failures:
        # The rest of the sweep is stored; re-running the command retries these units.
        typer.echo(f"error: {len(result.failures)} unit(s) failed after retries:", err=True)
        for unit in result.failures:
            typer.echo(f"  {unit.describe()}", err=True)
        raise typer.Exit(1)


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
