"""The findings of the "Measures" section in words: ends, trend, first rise, change points.

Every number is read from the run's `RunStats`; this module only says them.
"""

from __future__ import annotations

from cotscope.stats import (
    ChangePoint,
    ModelInfo,
    RateRow,
    RiseRow,
    RunStats,
    Segmentation,
    TrendRow,
)

from .._format import interval, p_text, pct, steps


def _where(m: ModelInfo, axis: str) -> str:
    return f"step {m.step}" if axis == "step" else (m.label or m.model_id)


def _windowed_rise_text(stats: RunStats, rise: RiseRow) -> str:
    """The first rise when steps share no prompts and were pooled into windows."""
    first = next(m.step for m in stats.models if m.key == (rise.run_id, rise.baseline_model_id))
    base = f"the first window ({steps(first, rise.baseline_last_step)})"
    how = (
        f"steps pooled into windows of at least {rise.window_min_n} samples, as no prompt "
        "recurs; one-sided Fisher exact test of each window against the first"
    )
    hit = next((t for t in rise.tests if t.significant), None)
    if hit is None:
        return f"No window of steps is significantly above {base} after Holm correction ({how}). "
    return (
        f"First significant rise above {base}: {steps(hit.step, hit.last_step)} "
        f"({how}, Holm-adjusted {p_text(hit.p_holm)}). "
    )


def _change_text(change: ChangePoint, measure: str) -> str:
    """The change point in words, or why none is claimed."""
    if change.p_value < 0.05:
        return f"Change point: the {change.sentence(f'{measure} rate')}. "
    return (
        f"No change point: the likeliest split (between steps "
        f"{change.before.last_step:,.0f} and {change.after.first_step:,.0f}) is not "
        f"significant against one rate (p = {change.p_value:.2f}). "
    )


def _segments_text(seg: Segmentation) -> str:
    """The several changes of the penalised search, when it finds more than one."""
    pieces = [
        f"{pct(x.rate)} {interval(x.ci_low, x.ci_high)} over "
        f"{steps(int(x.first_step), int(x.last_step))}"
        for x in seg.segments
    ]
    blocks = (
        f"; steps pooled into {seg.blocks} blocks of equal n first, so each change is "
        "located to within a block"
        if seg.blocks
        else ""
    )
    return (
        f"Several changes ({seg.method}, penalty {seg.penalty:.1f} = {seg.penalty_rule}"
        f"{blocks}): " + " → ".join(pieces) + ". "
    )


def finding(
    stats: RunStats, rows: list[RateRow], trend: TrendRow, rise: RiseRow
) -> tuple[str, str]:
    """Who the finding is about (shown bold), and the finding in words."""
    by_model = {r.model_id: r for r in rows if r.run_id == trend.run_id}
    models = [
        m
        for m in stats.models
        if m.run_id == trend.run_id
        and m.model_id in by_model
        and by_model[m.model_id].rate is not None
    ]
    who = f"family {trend.family}" if trend.family else "all variants"
    if len(stats.runs) > 1:
        who = f"run {trend.run_id}, {who}"
    if not models:
        return who, ": no data (no parseable sample)."
    first, last = models[0], models[-1]
    base = _where(first, stats.x_axis)
    r0, r1 = by_model[first.model_id], by_model[last.model_id]
    nvar = max(r.n_variants for r in rows)
    binned = (
        stats.binned_for(trend.suite, trend.measure, trend.run_id) if trend.family is None else None
    )
    parts: list[str] = [f" ({nvar} variant{'s' if nvar != 1 else ''}): {trend.measure} "]
    if binned is not None:
        # One rollout per step says nothing alone: the ends are the first and last bins.
        b0, b1 = binned.bins[0], binned.bins[-1]
        parts.append(
            f"{pct(b0.rate)} {interval(b0.ci_low, b0.ci_high)} over "
            f"{steps(int(b0.first_step), int(b0.last_step))} (n = {b0.n}) → {pct(b1.rate)} "
            f"{interval(b1.ci_low, b1.ci_high)} over "
            f"{steps(int(b1.first_step), int(b1.last_step))} (n = {b1.n}). "
        )
    else:
        parts.append(f"{pct(r0.rate)} {interval(r0.ci_low, r0.ci_high)} at {base} (n = {r0.n})")
        if last is not first:
            parts.append(
                f" → {pct(r1.rate)} {interval(r1.ci_low, r1.ci_high)} at "
                f"{_where(last, stats.x_axis)} (n = {r1.n}). "
            )
        else:
            parts.append(". ")
    t = trend.result
    if t.p_value is None:
        parts.append(f"Trend: not testable ({t.note}). ")
    else:
        axis = "training step" if stats.x_axis == "step" else "model order"
        how = {
            "score-stratified": f"score test of the slope stratified by {t.n_clusters} variants",
            "score-pooled": "score test of the slope; no prompt recurs, samples pooled",
            "score-pooled-robust": "score test of the slope; no prompt recurs, samples "
            "pooled, variance robust to correlated rollouts of a prompt",
            "logit-wald-cluster": f"logistic regression, SEs clustered by {t.n_clusters} variants",
            "logit-wald": "logistic regression, one variant",
            "score-cluster": "score test clustered by variant (the logistic fit separates)",
            "score": "score test (the logistic fit separates)",
        }[t.method or "score"]
        word = {"increasing": "rises", "decreasing": "falls", "none": "is flat"}[
            t.direction or "none"
        ]
        unit = "step" if stats.x_axis == "step" else "position in the model list"
        slope = (
            f", pooled logistic slope {t.slope:+.3g} log-odds per {unit}"
            if t.slope is not None
            else ""
        )
        if t.p_value >= 0.05:
            word = "no significant trend"  # the estimate's sign is shown by the slope
        parts.append(f"Trend: {word} with {axis} ({how}{slope}, {p_text(t.p_value)}). ")
    if rise.window_min_n is not None:
        parts.append(_windowed_rise_text(stats, rise))
    elif rise.first_rise_model_id:
        hit = next(x for x in rise.tests if x.model_id == rise.first_rise_model_id)
        m = next(m for m in models if m.model_id == rise.first_rise_model_id)
        how = (
            "one-sided CMH by variant"
            if hit.design == "paired"
            else "one-sided Fisher exact, no shared variant"
        )
        parts.append(
            f"First significant rise above {base}: {_where(m, stats.x_axis)} "
            f"({how}, Holm-adjusted {p_text(hit.p_holm)}). "
        )
    elif rise.tests:
        parts.append(f"No checkpoint is significantly above {base} after Holm correction. ")
    row = stats.change_for(trend.suite, trend.family, trend.measure, trend.run_id)
    if row is not None and row.change is not None:
        parts.append(_change_text(row.change, trend.measure))
        if row.segmentation is not None and len(row.segmentation.segments) > 2:
            parts.append(_segments_text(row.segmentation))
    elif row is not None and row.note:
        parts.append(f"No change point: {row.note}. ")
    if r0.mde is not None and binned is None:
        parts.append(
            f"With n = {r0.n} at {base}, a rise from {pct(r0.pooled_rate)} (pooled) to "
            f"{pct(r0.detectable_rate)} is detectable with 80% power."
        )
    return who, "".join(parts)
