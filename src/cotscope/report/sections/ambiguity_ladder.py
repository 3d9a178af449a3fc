"""The "Ambiguity ladder" section: exploit rate against how ambiguous the instruction is.

A ladder table (checkpoint × level), the ladder figure (one line per checkpoint,
x = level, 95% intervals), the exploit threshold per checkpoint with its rule,
interval and n, the threshold's trend over checkpoints, and a table per scenario
instance (so an instance that disagrees with its scenario's other one shows), all
from the suite's stored analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from cotscope.suites.ambiguity_ladder import (
    LEVEL_NAMES,
    LEVELS,
    SUITE,
    THRESHOLD_RATE,
    Ladder,
    LevelRate,
)

from .._context import ReportContext
from .._format import interval, p_text, pct
from .._sections import ReportSection
from .._templates import render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")


def _cell(r: LevelRate | None) -> Any:
    if r is None:
        return ""
    a = r.aggregate
    if a.mean_rate is None:
        return (f"no data (+{r.unparseable} unparseable, {r.error} errors)", -1)
    excluded = f"; +{r.unparseable} unp., {r.error} err." if r.unparseable or r.error else ""
    shown = f"{pct(a.mean_rate)} {interval(a.ci_low, a.ci_high)} ({a.k}/{a.n}{excluded})"
    return (shown, a.mean_rate)


def _level_text(level: int | None) -> str:
    return "none up to L5" if level is None else f"L{level}"


def _figure(ladder: Ladder) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.8))
    ax = fig.add_subplot()
    with_data = [m for m in ladder.models if any(r.model == m for r in ladder.rates)]
    for i, m in enumerate(with_data):
        pts = [(lv, r.aggregate) for lv in LEVELS if (r := ladder.rate(m.model_id, lv))]
        pts = [(lv, a) for lv, a in pts if a.mean_rate is not None]
        if not pts:
            continue
        offset = (i - (len(with_data) - 1) / 2) * 0.04  # keep error bars apart
        xs = [lv + offset for lv, _ in pts]
        ys = [a.mean_rate or 0.0 for _, a in pts]
        err = [[y - (a.ci_low or 0.0) for y, (_, a) in zip(ys, pts, strict=True)],
               [(a.ci_high or 0.0) - y for y, (_, a) in zip(ys, pts, strict=True)]]  # fmt: skip
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, color=_COLOURS[i % 7],
                    linestyle="-" if i < 7 else "--", label=m.tick.replace("$", r"\$"))  # fmt: skip
    ax.set_xticks(list(LEVELS), [f"L{lv}\n{LEVEL_NAMES[lv]}" for lv in LEVELS], fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("exploit rate (mean over scenarios)")
    ax.legend(title="checkpoint", fontsize=7, loc="best")
    return fig


def _ladder_rows(ladder: Ladder) -> list[list[Any]]:
    return [
        [m.model_id, "" if m.step is None else m.step,
         *(_cell(ladder.rate(m.model_id, lv)) for lv in LEVELS)]
        for m in ladder.models if any(r.model == m for r in ladder.rates)
    ]  # fmt: skip


def _threshold_rows(ladder: Ladder) -> list[list[Any]]:
    return [
        [t.model.model_id, "" if t.model.step is None else t.model.step, _level_text(t.level),
         f"{_level_text(t.low)} – {_level_text(t.high)}",
         ", ".join(f"L{lv} {n}" for lv, n in sorted(t.n_by_level.items()))]
        for t in ladder.thresholds
    ]  # fmt: skip


def _instance_rows(ladder: Ladder) -> list[list[Any]]:
    rows = []
    for s in ladder.scenarios:
        for inst in ladder.instances.get(s, []):
            for m in ladder.models:
                line: list[Any] = [s, inst, m.model_id]
                found = False
                for lv in LEVELS:
                    c = ladder.instance_cells.get((m.model_id, inst, lv))
                    if c is None:
                        line.append("")
                        continue
                    found = True
                    k, n = c.get("exploited", 0), c.get("exploited", 0) + c.get("not-exploited", 0)
                    unp = c.get("unparseable", 0)
                    line.append(f"{k}/{n}" + (f" +{unp}u" if unp else ""))
                if found:
                    rows.append(line)
    return rows


def _render(ctx: ReportContext) -> Markup | None:
    ladder = ctx.result(f"suite:{SUITE}", Ladder)
    if ladder is None:
        return None
    figure = Markup()
    if ctx.options.figures:
        alt = "exploit rate against instruction level, one line per checkpoint"
        figure = ctx.figure("ambiguity-ladder", _figure(ladder), alt)
    return render(
        "sections/ambiguity_ladder.html.j2",
        level_head=[f"L{lv}" for lv in LEVELS],
        ladder_rows=_ladder_rows(ladder),
        level_trends=[
            f"L{lv}: {p_text(t.p_value)} ({t.direction or 'n/a'})"
            for lv, t in sorted(ladder.level_trends.items())
        ],
        figure=figure,
        threshold_rate=pct(THRESHOLD_RATE, 0),
        threshold_rows=_threshold_rows(ladder),
        tau=None if ladder.threshold_tau is None else f"{ladder.threshold_tau:+.2f}",
        tau_p=p_text(ladder.threshold_p),
        instance_rows=_instance_rows(ladder),
    )


SECTION = ReportSection("ambiguity_ladder", "Ambiguity ladder", order=54, render=_render)
