"""The suite's own report section, registered in this package's `pyproject.toml`.

A section reads the run's results (the `rates` result, `ctx.stats`, and the suite's
own analysis), never the store, and writes its HTML with a template of its own
package, which may import cotscope's macros.
"""

from __future__ import annotations

from markupsafe import Markup

from cotscope.report import ReportContext, ReportSection, interval, pct, render

from . import SUITE
from ._analysis import TinyAnalysis


def _render(ctx: ReportContext) -> Markup | None:
    rates = ctx.stats.rates
    rows = {(r.model_id, r.measure): r for r in rates if r.suite == SUITE and r.level == "suite"}
    if not rows:
        return None
    measures = ctx.stats.measures.get(SUITE, [])
    checkpoints = [
        m.model_id for m in ctx.stats.models if any((m.model_id, x) in rows for x in measures)
    ]
    table = [[c, *(rows[(c, x)].k if (c, x) in rows else 0 for x in measures)] for c in checkpoints]
    # Every measure's row of a checkpoint counts the same unparseable and failed samples.
    per_checkpoint = [next(rows[(c, x)] for x in measures if (c, x) in rows) for c in checkpoints]
    counts = {x: sum(r.k for (_, m), r in rows.items() if m == x) for x in measures}
    counts["unparseable"] = sum(r.unparseable for r in per_checkpoint)
    counts["error"] = sum(r.error for r in per_checkpoint)
    analysis = ctx.result(f"suite:{SUITE}", TinyAnalysis)
    accuracy = [
        [c.model_id, c.family, (f"{pct(c.correct / c.n)} {interval(c.ci_low, c.ci_high)}",
                                c.correct / c.n), c.n]
        for c in (analysis.cells if analysis else [])
        if c.n
    ]  # fmt: skip
    return render(
        "tiny_section.html.j2",
        accuracy=accuracy,
        package="tiny_suite",
        counts=sorted((name, n) for name, n in counts.items() if n),
        head=["checkpoint", *measures],
        rows=table,
    )


SECTION = ReportSection("tiny-yesno", "Tiny yes/no suite", order=60, render=_render)
