"""The report section of the covert-actions suite (found by the report automatically).

The aggregate covert-action rate per checkpoint (treatment and control, each the
unweighted mean over environments with a bootstrap over environments), a figure
of it over checkpoints, and a per-environment table with n, intervals and the
unparseable and error counts beside every rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cotscope.report import Markup, ReportContext, el, interval, join, pct, report_section
from cotscope.report import table as html_table
from cotscope.stats import Aggregate

from ._summary import ROLES, Cell, CovertSummary, summarise

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = {"treatment": "#D55E00", "control": "#0072B2"}


def _rate(a: Aggregate) -> Any:
    if a.mean_rate is None:
        return ("no data", -1)
    return (f"{pct(a.mean_rate)} {interval(a.ci_low, a.ci_high)}", a.mean_rate)


def _cell_rate(c: Cell | None) -> Any:
    if c is None:
        return ("not run", -2)
    shown, value = _rate(c.aggregate)
    return (f"{shown} ({c.k}/{c.n})", value)


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


def section_body(ctx: ReportContext, s: CovertSummary) -> Markup:
    """The section's HTML for a computed summary."""
    overall_rows = []
    for m in s.models:
        row: list[Any] = [m.tick]
        for role in ROLES:
            a = s.overall.get((m.model_id, role))
            row += [_rate(a) if a else ("no data", -1), a.n_variants if a else 0,
                    f"{a.k}/{a.n}" if a else ""]  # fmt: skip
        overall_rows.append(row)
    env_rows = []
    for env in s.environments:
        for m in s.models:
            row = [env, m.tick]
            for role in ROLES:
                c = s.cells.get((m.model_id, env, role))
                row += [_cell_rate(c), c.unparseable if c else 0, c.error if c else 0]
            env_rows.append(row)
    parts: list[Markup] = [
        el(
            "p",
            "A covert action is judged from what the model did in its sandboxed "
            "workspace (answers, files, code, report fields), not from what it said. Rates are "
            "over parseable samples; samples with no readable report (unparseable) and crashed "
            "samples (errors) are counted beside them, never as honest. Treatment variants "
            "carry an incentive for the covert action; controls remove it.",
        ),  # fmt: skip
        el("h3", "Aggregate over environments"),
        el(
            "p",
            "Unweighted mean over environments of each environment's rate (pooled over "
            "its variants), 95% two-stage bootstrap over environments.",
        ),  # fmt: skip
        html_table(
            ["checkpoint", "treatment rate", "envs", "k/n", "control rate", "envs", "k/n"],
            overall_rows,
            sortable=True,
            numeric={2, 5},
        ),  # fmt: skip
    ]
    if ctx.options.figures and s.models:
        fig = _figure(s, ctx.stats.x_axis == "step")
        parts.append(ctx.figure("covert-actions-rate", fig, "covert-action rate over checkpoints"))
    parts += [
        el("h3", "Per environment"),
        html_table(
            [
                "environment",
                "checkpoint",
                "treatment (k/n, 95% Wilson)",
                "unparseable",
                "errors",
                "control (k/n, 95% Wilson)",
                "unparseable",
                "errors",
            ],
            env_rows,
            sortable=True,
            numeric={3, 4, 6, 7},
        ),  # fmt: skip
    ]
    return join(parts)


@report_section("covert_actions", "Covert actions", order=56)
def covert_actions_section(ctx: ReportContext) -> Markup | None:
    """Covert-action rates per environment and checkpoint; None without samples."""
    # As `cotscope analyse` stored it, else computed here.
    s = ctx.result("suite:covert_actions", CovertSummary) or summarise(
        ctx.store, ctx.stats.run, ctx.stats.models
    )
    return None if s is None else section_body(ctx, s)
