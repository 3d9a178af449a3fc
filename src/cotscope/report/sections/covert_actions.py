"""The "Covert actions" section: covert-action rates per environment and checkpoint.

The aggregate covert-action rate per checkpoint (treatment and control, each the
unweighted mean over environments with a bootstrap over environments), a figure of
it over checkpoints, and a per-environment table with n, intervals and the
unparseable and error counts beside every rate, all from the suite's stored analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from cotscope.stats import Aggregate
from cotscope.suites.covert_actions import ROLES, SUITE, CovertSummary

from .._context import ReportContext
from .._format import interval, pct
from .._sections import ReportSection
from .._templates import render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = {"treatment": "#D55E00", "control": "#0072B2"}


def _rate(a: Aggregate | None) -> Any:
    if a is None or a.mean_rate is None:
        return ("no data", -1)
    return (f"{pct(a.mean_rate)} {interval(a.ci_low, a.ci_high)}", a.mean_rate)


def _figure(s: CovertSummary, by_step: bool) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    xs_all = [float(m.x) for m in s.models]
    for role in ROLES:
        pts = [
            (x, s.overall.get((m.model_id, role))) for x, m in zip(xs_all, s.models, strict=True)
        ]
        pts_ok = [(x, a) for x, a in pts if a is not None and a.mean_rate is not None]
        if not pts_ok:
            continue
        xs = [x for x, _ in pts_ok]
        ax.fill_between(xs, [a.ci_low or 0.0 for _, a in pts_ok],
                        [a.ci_high or 0.0 for _, a in pts_ok], color=_COLOURS[role], alpha=0.2,
                        linewidth=0)  # fmt: skip
        ax.plot(xs, [a.mean_rate or 0.0 for _, a in pts_ok], marker="o", color=_COLOURS[role],
                label=role)  # fmt: skip
    ax.set_xticks(xs_all, [m.tick.replace("$", r"\$") for m in s.models], fontsize=7)
    ax.set_xlabel("training step" if by_step else "model")
    ax.set_ylabel("covert-action rate")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Covert actions: mean over environments, 95% bootstrap over environments",
                 fontsize=9)  # fmt: skip
    ax.legend(fontsize=8)
    return fig


def _overall_rows(s: CovertSummary) -> list[list[Any]]:
    rows = []
    for m in s.models:
        row: list[Any] = [m.tick]
        for role in ROLES:
            a = s.overall.get((m.model_id, role))
            row += [_rate(a), a.n_variants if a else 0, f"{a.k}/{a.n}" if a else ""]
        rows.append(row)
    return rows


def _environment_rows(s: CovertSummary) -> list[list[Any]]:
    rows = []
    for env in s.environments:
        for m in s.models:
            row: list[Any] = [env, m.tick]
            for role in ROLES:
                key = (m.model_id, env, role)
                c = s.cells.get(key)
                if c is None:
                    row += [("not run", -2), 0, 0]
                    continue
                shown, value = _rate(s.cell_rates.get(key))
                row += [(f"{shown} ({c.k}/{c.n})", value), c.unparseable, c.error]
            rows.append(row)
    return rows


def _render(ctx: ReportContext) -> Markup | None:
    s = ctx.result(f"suite:{SUITE}", CovertSummary)
    if s is None:
        return None
    figure = Markup()
    if ctx.options.figures and s.models:
        fig = _figure(s, ctx.stats.x_axis == "step")
        figure = ctx.figure("covert-actions-rate", fig, "covert-action rate over checkpoints")
    return render(
        "sections/covert_actions.html.j2",
        overall_rows=_overall_rows(s),
        figure=figure,
        environment_rows=_environment_rows(s),
    )


SECTION = ReportSection("covert_actions", "Covert actions", order=56, render=_render)
