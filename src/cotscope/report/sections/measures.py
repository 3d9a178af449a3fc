"""The "Measures across checkpoints" section: per measure, its figure, findings and numbers."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import Markup

from cotscope.stats import RateRow, RunStats

from .._context import ReportContext
from .._format import interval, pct, slug, steps
from .._sections import ReportSection
from .._templates import render
from ._findings import finding


def _by_run(stats: RunStats, suite: str) -> bool:
    """Draw and tabulate by training run (pooled over variants) rather than by family.

    So for several runs on a step axis, and for a dense run, whose per-checkpoint
    family points would be single rollouts.
    """
    if stats.x_axis != "step":
        return False
    return len(stats.runs) > 1 or any(b.suite == suite for b in stats.binned)


def _family_numbers(stats: RunStats, rows: list[RateRow]) -> dict[str, Any]:
    """A family × checkpoint table of rates with interval and n."""
    cells: dict[str, dict[str, RateRow]] = defaultdict(dict)
    for row in rows:
        cells[row.family or "all variants"][row.model_id] = row
    body = []
    for fam, per_model in cells.items():
        line: list[Any] = []
        for m in stats.models:
            r = per_model.get(m.model_id)
            line.append(
                None
                if r is None
                else {"rate": pct(r.rate), "note": f"{interval(r.ci_low, r.ci_high)} n={r.n}"}
            )
        body.append((fam, line))
    return {"head": ["family", *(m.tick for m in stats.models)], "rows": body}


def _step_numbers(stats: RunStats, suite: str, measure: str) -> dict[str, Any]:
    """One row per run and step (or step bin, for a dense run), all variants pooled."""
    several = len(stats.runs) > 1
    body: list[list[Any]] = []
    for run_id in stats.runs:
        binned = stats.binned_for(suite, measure, run_id)
        if binned is not None:
            for b in binned.bins:
                body.append([run_id, steps(int(b.first_step), int(b.last_step)), b.n,
                             (pct(b.rate), b.rate), interval(b.ci_low, b.ci_high)])  # fmt: skip
            continue
        for r in stats.curve(suite, measure, run_id):
            body.append([run_id, f"step {r.step}", r.n, (pct(r.rate), r.rate if r.rate else 0),
                         interval(r.ci_low, r.ci_high)])  # fmt: skip
    head = ["run", "steps", "n", "rate", "95% interval"]
    if not several:
        head, body = head[1:], [line[1:] for line in body]
    return {"head": head, "rows": body, "numeric": (len(head) - 3, len(head) - 2)}


def _measure_block(ctx: ReportContext, suite: str, measure: str) -> dict[str, Any]:
    from .._figures import rate_figure, run_figure

    stats = ctx.stats
    families = stats.families.get(suite, [])
    by_run = _by_run(stats, suite)
    figure: Markup | None = None
    if ctx.options.figures:
        name = slug(f"{suite}-{measure}")
        if by_run:
            fig, what = (
                run_figure(stats, suite, measure),
                f"{measure} rate of {suite} by training run",
            )
        else:
            fig, what = rate_figure(stats, suite, measure), f"{measure} rate of {suite} by family"
        figure = ctx.figure(f"rate-{name}", fig, what)
    agg = [
        r for r in stats.rates if r.suite == suite and r.measure == measure and r.level != "variant"
    ]
    findings = []
    for trend, rise in zip(
        [t for t in stats.trends if t.suite == suite and t.measure == measure],
        [r for r in stats.rises if r.suite == suite and r.measure == measure],
        strict=True,
    ):
        if trend.family is not None and len(families) == 1:
            continue  # the one family is the whole suite, said just above
        findings.append(finding(stats, [r for r in agg if r.family == trend.family], trend, rise))
    # Within each training phase: the summary's own sentences, so the two never differ.
    findings += [
        ("", line.text)
        for line in stats.summary
        if (line.kind, line.suite, line.measure) == ("phase", suite, measure)
    ]
    return {
        "suite": suite,
        "measure": measure,
        "figure": figure,
        "findings": findings,
        "steps": _step_numbers(stats, suite, measure) if by_run else None,
        "families": None if by_run else _family_numbers(stats, agg),
    }


def _render(ctx: ReportContext) -> Markup:
    blocks = [
        _measure_block(ctx, suite, measure)
        for suite, measures in ctx.stats.measures.items()
        for measure in measures
    ]
    return render("sections/measures.html.j2", blocks=blocks, limit=ctx.options.max_table_rows)


SECTION = ReportSection("measures", "Measures across checkpoints", order=20, render=_render)
