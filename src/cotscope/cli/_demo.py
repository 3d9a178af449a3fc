"""`cotscope demo`: the bundled sweep of a shipped model organism, measured and reported.

The default organism is the reasoning one (cold start, capabilities RL, two safety
arms): after the sweep every chain of thought is graded for verbalized grader-seeking,
the grader's validation on hand-labelled organism CoTs is written beside it, and the
grader sentences are removed and resampled at the first and the last checkpoint of the
capabilities run (with a control that puts a neutral sentence in their place).
`--organism leaky-grader` sweeps the first organism, which answers without reasoning.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from ._run import DisplayOpt, RetryOpt, _execute, _progress


def register(app: typer.Typer) -> None:
    """Add the `demo` command."""
    app.command("demo")(demo)


DEMO_SPECS = {"leaky-grader": "demo.yaml", "reasoning": "demo_reasoning.yaml"}
"""The bundled demo spec of each shipped organism."""


def demo_spec_data(
    output: Path | None = None, full: bool = False, organism: str = "reasoning"
) -> dict[str, Any]:
    """The bundled demo spec, with the shipped organism folder and the output filled in.

    Args:
        output: Run directory (default: the spec's own, `runs/demo` for the reasoning
            organism, `runs/demo-leaky-grader` for the first one).
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
            s.pop("precision", None)  # 81 variants to ±10 points each would take hours
    return data


def demo(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Run directory (default: runs/demo, or runs/demo-leaky-grader)."
        ),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Run every variant of the suite.")] = False,
    organism: Annotated[
        str,
        typer.Option(
            "--organism",
            help="Shipped organism to sweep: leaky-grader (answers only) or reasoning "
            "(three phases, <think> reasoning).",
        ),
    ] = "reasoning",
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
    after = _measure_reasoning_demo if organism == "reasoning" else None
    _execute(spec, "cotscope demo", Path.cwd(), display, retry_errors=retry_errors,
             after_sweep=after)  # fmt: skip


ORGANISM_LABELS = "organism_cots.jsonl"
"""Hand-labelled reasoning-organism CoTs (`graders/labels/`) that validate the demo's
verbalization grader."""


def _measure_reasoning_demo(run_dir: Path) -> None:
    """Grade the demo's reasoning, then intervene on it (see the module docstring)."""
    _grade_reasoning_demo(run_dir)
    _intervene_reasoning_demo(run_dir)


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
    # Whether the reasoning still works the offset out (offset family), graders or not.
    arithmetic = get_rubric("offset-arithmetic")
    worked = grade_run(run_dir, arithmetic, lexical=True)
    _progress(
        f"grader {arithmetic.name} (lexical): {sum(j.positive for j in worked.judges)} of "
        f"{sum(j.graded for j in worked.judges)} CoTs flagged"
    )
    labels = resources.files("cotscope.graders").joinpath("labels", ORGANISM_LABELS)
    result = validate_lexical(load_detector(rubric.name, []), load_labels(str(labels)))
    data = validation_record(result, rubric.sha256, labels=ORGANISM_LABELS)
    folder = run_dir / VALIDATIONS_DIRNAME
    folder.mkdir(exist_ok=True)
    (folder / "organism-cots.json").write_text(json.dumps(data, indent=2, default=str) + "\n")


def _intervention_checkpoints(run_dir: Path) -> list[str]:
    """The first and the last checkpoint of the run that starts at the lowest step."""
    from ..store import Store, checkpoints

    with Store(run_dir, read_only=True) as store:
        stepped = sorted(
            (c for c in checkpoints(store) if c.step is not None),
            key=lambda c: (c.step, c.model_id),
        )
    if not stepped:
        return []
    trunk = [c.model_id for c in stepped if c.run_id == stepped[0].run_id]
    return list(dict.fromkeys([trunk[0], trunk[-1]]))


def _intervene_reasoning_demo(run_dir: Path) -> None:
    """Remove the grader sentences and resample, beside a neutral-sentence control."""
    from ..interventions import InterventionOptions, run_interventions

    checkpoints = _intervention_checkpoints(run_dir)
    options = InterventionOptions(
        edit="remove",
        where="grader:grader-seeking",
        control="random-sentence",
        model_ids=checkpoints,
        resamples=4,
        # The sweep's token budget and temperature (`demo_reasoning.yaml`).
        max_new_tokens=96,
        temperature=0.7,
        batch_size=32,
    )
    _progress(f"intervention: remove the grader sentences at {', '.join(checkpoints)}")
    summary = run_interventions(
        run_dir, options, lambda done, total: _progress(f"continuations {done}/{total}")
    )
    skipped = ", ".join(f"{n} {reason}" for reason, n in summary.skipped.items())
    _progress(
        f"intervention: {summary.transcripts} transcripts edited, {summary.generated} "
        f"continuations" + (f"; skipped: {skipped}" if skipped else "")
    )
