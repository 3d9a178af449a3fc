"""The built-in sections: the run, each measure over checkpoints, the per-variant table."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from cotscope.stats import (
    ChangePoint,
    ModelInfo,
    RateRow,
    RiseRow,
    RunStats,
    Segmentation,
    TrendRow,
)

from ._html import Markup, el, esc, interval, join, p_text, pct, pretty_json, table
from ._sections import ReportContext, report_section


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, value


def _seeds(spec: Any) -> list[str]:
    return [f"{k} = {v}" for k, v in _flatten(spec) if k.split(".")[-1] == "seed" and v is not None]


def _kv(pairs: list[tuple[str, Any]]) -> Markup:
    return el("dl", *(join([el("dt", k), el("dd", v)]) for k, v in pairs), class_="kv")


def _slug(name: str) -> str:
    """A file-name-safe stem; names are data and may hold `/`, `..` or anything else."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:60] or "x"
    if safe != name:
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return safe


def _cap_note(total: int, limit: int, what: str) -> Markup:
    if total <= limit:
        return Markup("")
    note: Markup = el(
        "p",
        f"Showing the first {limit:,} of {total:,} {what}; all of them are in the store "
        "and in `cotscope stats --json`.",
        class_="muted small",
    )
    return note


@report_section("run", "Run", order=10)
def run_section(ctx: ReportContext) -> Markup:
    """Spec, models, serving environment, seeds and every variant's hash."""
    stats = ctx.stats
    meta = ctx.store.query("SELECT * FROM runs WHERE run = ?", [stats.run])
    run = meta[0] if meta else {}
    spec, env = _loads(run.get("spec")), _loads(run.get("environment"))
    outcomes = ctx.store.query(
        "SELECT outcome, count(*) AS c FROM samples WHERE run = ? GROUP BY outcome ORDER BY c DESC",
        [stats.run],
    )
    total = sum(int(r["c"]) for r in outcomes)
    facts: list[tuple[str, Any]] = [
        ("run", stats.run),
        (
            "samples",
            f"{total:,} (" + ", ".join(f"{r['outcome']}: {r['c']:,}" for r in outcomes) + ")",
        ),
        ("x axis", "training step" if stats.x_axis == "step" else "model order"),
        ("spec hash", run.get("spec_hash") or "not recorded"),
        ("seeds", "; ".join(_seeds(spec)) or "not recorded"),
        ("created", run.get("created_at") or "not recorded"),
        ("updated", run.get("updated_at") or "not recorded"),
    ]
    if len(stats.runs) > 1:
        facts.insert(2, ("training runs", ", ".join(stats.runs)))
    limit = ctx.options.max_table_rows
    per_model = {
        (r["run_id"], r["model_id"]): r
        for r in ctx.store.query(
            "SELECT coalesce(run_id, '') AS run_id, model_id, count(*) AS c,"
            " any_value(model_args) AS args FROM samples WHERE run = ? GROUP BY ALL",
            [stats.run],
        )
    }
    model_rows = [
        [
            m.run_id,
            m.model_id,
            el("code", m.model),
            "" if m.step is None else m.step,
            m.label or "",
            el("code", per_model[m.key]["args"] or "{}"),
            (f"{per_model[m.key]['c']:,}", per_model[m.key]["c"]),
        ]
        for m in stats.models[:limit]
    ]
    head = ["run", "model id", "model", "step", "label", "model args", "samples"]
    numeric = {3, 6}
    if len(stats.runs) == 1:
        head, model_rows, numeric = head[1:], [r[1:] for r in model_rows], {2, 5}
    models_table = join(
        [
            _cap_note(len(stats.models), limit, "checkpoints"),
            table(head, model_rows, numeric=numeric),
        ]
    )
    if len(stats.models) > MANY_CHECKPOINTS:
        folded = el("details", el("summary", "every checkpoint"), models_table)
        models_table = join([_runs_table(stats, per_model), folded])
    parts = [
        _kv(facts),
        el("h3", "Models"),
        models_table,
        el("h3", "Environment and serving stack"),
        _kv(list(_flatten(env))) if env else el("p", "not recorded", class_="muted"),
        el("h3", "Variants"),
        _variants_table(ctx),
    ]
    if spec:
        parts.append(
            el("details", el("summary", "Sweep spec (as recorded)"), el("pre", pretty_json(spec)))
        )
    return join(parts)


MANY_CHECKPOINTS = 60
"""Beyond this many checkpoints the run section lists training runs, checkpoints folded."""


def _runs_table(stats: RunStats, per_model: dict[tuple[str, str], dict[str, Any]]) -> Markup:
    """One row per training run: its models, steps, checkpoints and samples."""
    rows = []
    for run_id in stats.runs:
        ms = [m for m in stats.models if m.run_id == run_id]
        steps = [m.step for m in ms if m.step is not None]
        span = f"{min(steps):,}–{max(steps):,}" if steps else ""
        models = ", ".join(sorted({m.model for m in ms}))
        samples = sum(int(per_model[m.key]["c"]) for m in ms)
        rows.append([run_id, models, span, (f"{len(ms):,}", len(ms)), (f"{samples:,}", samples)])
    return table(["run", "model", "steps", "checkpoints", "samples"], rows, numeric={3, 4})


def _variants_table(ctx: ReportContext) -> Markup:
    limit, cut = ctx.options.max_table_rows, ctx.options.max_chars
    shown_variants = ctx.stats.variants[:limit]
    # Only the variants shown: a rollout log stores a million one-sample "variants".
    hashes = sorted({v.variant_hash for v in shown_variants})
    stored = (
        {
            (r["suite"], r["variant_id"], r["variant_hash"]): r
            for r in ctx.store.query(
                f"SELECT suite, variant_id, variant_hash, version, left(text, {int(cut)}) AS text"
                " FROM variants WHERE list_contains(?, variant_hash)",
                [hashes],
            )
        }
        if hashes
        else {}
    )
    rows = []
    for v in shown_variants:
        rec = stored.get((v.suite, v.variant_id, v.variant_hash), {})
        text = rec.get("text")
        shown = el("details", el("summary", "text"), el("pre", text)) if text else "not stored"
        rows.append(
            [
                v.suite,
                v.name,
                v.family,
                rec.get("version") or "",
                el("code", v.variant_hash, title=v.variant_hash),
                shown,
            ]
        )
    note = _cap_note(len(ctx.stats.variants), limit, "variants")
    head = ["suite", "variant", "family", "version", "text hash (SHA-256)", "text"]
    shown = join([note, table(head, rows, sortable=True)])
    if len(ctx.stats.variants) > MANY_CHECKPOINTS:
        return el("details", el("summary", f"{len(ctx.stats.variants):,} variants"), shown)
    return shown


def _where(m: ModelInfo, axis: str) -> str:
    return f"step {m.step}" if axis == "step" else (m.label or m.model_id)


def _steps(first: int | None, last: int | None) -> str:
    return f"step {first}" if first == last else f"steps {first}–{last}"


def _windowed_rise_text(stats: RunStats, rise: RiseRow) -> str:
    """The first rise when steps share no prompts and were pooled into windows."""
    first = next(m.step for m in stats.models if m.key == (rise.run_id, rise.baseline_model_id))
    base = f"the first window ({_steps(first, rise.baseline_last_step)})"
    how = (
        f"steps pooled into windows of at least {rise.window_min_n} samples, as no prompt "
        "recurs; one-sided Fisher exact test of each window against the first"
    )
    hit = next((t for t in rise.tests if t.significant), None)
    if hit is None:
        return f"No window of steps is significantly above {base} after Holm correction ({how}). "
    return (
        f"First significant rise above {base}: {_steps(hit.step, hit.last_step)} "
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
        f"{_steps(int(x.first_step), int(x.last_step))}"
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


def _finding(stats: RunStats, rows: list[RateRow], trend: TrendRow, rise: RiseRow) -> Markup:
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
        return el("p", el("strong", who), ": no data (no parseable sample).", class_="finding")
    first, last = models[0], models[-1]
    base = _where(first, stats.x_axis)
    r0, r1 = by_model[first.model_id], by_model[last.model_id]
    nvar = max(r.n_variants for r in rows)
    binned = (
        stats.binned_for(trend.suite, trend.measure, trend.run_id) if trend.family is None else None
    )
    parts: list[Any] = [
        el("strong", who),
        f" ({nvar} variant{'s' if nvar != 1 else ''}): {trend.measure} ",
    ]
    if binned is not None:
        # One rollout per step says nothing alone: the ends are the first and last bins.
        b0, b1 = binned.bins[0], binned.bins[-1]
        parts.append(
            f"{pct(b0.rate)} {interval(b0.ci_low, b0.ci_high)} over "
            f"{_steps(int(b0.first_step), int(b0.last_step))} (n = {b0.n}) → {pct(b1.rate)} "
            f"{interval(b1.ci_low, b1.ci_high)} over "
            f"{_steps(int(b1.first_step), int(b1.last_step))} (n = {b1.n}). "
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
            f"{pct((r0.pooled_rate or 0) + r0.mde)} is detectable with 80% power."
        )
    return el("p", *parts, class_="finding")


def _family_numbers(stats: RunStats, rows: list[RateRow]) -> Markup:
    cells: dict[str, dict[str, RateRow]] = defaultdict(dict)
    for row in rows:
        cells[row.family or "all variants"][row.model_id] = row
    head = ["family", *(m.tick for m in stats.models)]
    body = []
    for fam, per_model in cells.items():
        line: list[Any] = [fam]
        for m in stats.models:
            r = per_model.get(m.model_id)
            line.append(
                ""
                if r is None
                else join(
                    [
                        pct(r.rate),
                        el("br"),
                        el(
                            "span", f"{interval(r.ci_low, r.ci_high)} n={r.n}", class_="small muted"
                        ),
                    ]
                )
            )
        body.append(line)
    return table(head, body, numeric=set(range(1, len(head))))


@report_section("measures", "Measures across checkpoints", order=20)
def measures_section(ctx: ReportContext) -> Markup:
    """For each measure: the figure, the trend and first rise in a sentence, the numbers."""
    from ._figures import rate_figure, run_figure

    stats = ctx.stats
    parts: list[Any] = [
        el(
            "p",
            (
                "A measure is the rate of one outcome among parseable samples; unparseable and "
                "errored samples are excluded from n and counted in the tables. A family's rate is "
                "the unweighted mean of its variants' rates; its 95% interval is a bootstrap over "
                "variants "
                "(Wilson for a one-variant family)."
            ),
            class_="muted small",
        )
    ]
    for suite, measures in stats.measures.items():
        families = stats.families.get(suite, [])
        by_run = _by_run(stats, suite)
        for measure in measures:
            parts.append(el("h3", f"{suite}: {measure}", id=f"m-{suite}-{measure}"))
            if ctx.options.figures:
                slug = _slug(f"{suite}-{measure}")
                if by_run:
                    fig = run_figure(stats, suite, measure)
                    what = f"{measure} rate of {suite} by training run"
                else:
                    fig = rate_figure(stats, suite, measure)
                    what = f"{measure} rate of {suite} by family"
                parts.append(ctx.figure(f"rate-{slug}", fig, what))
            agg = [
                r
                for r in stats.rates
                if r.suite == suite and r.measure == measure and r.level != "variant"
            ]
            for trend, rise in zip(
                [t for t in stats.trends if t.suite == suite and t.measure == measure],
                [r for r in stats.rises if r.suite == suite and r.measure == measure],
                strict=True,
            ):
                if trend.family is not None and len(families) == 1:
                    continue  # the one family is the whole suite, said just above
                fam_rows = [r for r in agg if r.family == trend.family]
                parts.append(_finding(stats, fam_rows, trend, rise))
            numbers = (
                _step_numbers(stats, suite, measure, ctx.options.max_table_rows)
                if by_run
                else _family_numbers(stats, agg)
            )
            parts.append(el("details", el("summary", "numbers behind the figure"), numbers))
    return join(parts)


def _by_run(stats: RunStats, suite: str) -> bool:
    """Draw and tabulate by training run (pooled over variants) rather than by family.

    So for several runs on a step axis, and for a dense run, whose per-checkpoint
    family points would be single rollouts.
    """
    if stats.x_axis != "step":
        return False
    return len(stats.runs) > 1 or any(b.suite == suite for b in stats.binned)


def _step_numbers(stats: RunStats, suite: str, measure: str, limit: int) -> Markup:
    """One row per run and step (or step bin, for a dense run), all variants pooled."""
    several = len(stats.runs) > 1
    body: list[list[Any]] = []
    for run_id in stats.runs:
        binned = stats.binned_for(suite, measure, run_id)
        if binned is not None:
            for b in binned.bins:
                body.append([run_id, _steps(int(b.first_step), int(b.last_step)), b.n,
                             (pct(b.rate), b.rate), interval(b.ci_low, b.ci_high)])  # fmt: skip
            continue
        for r in stats.curve(suite, measure, run_id):
            body.append([run_id, f"step {r.step}", r.n, (pct(r.rate), r.rate if r.rate else 0),
                         interval(r.ci_low, r.ci_high)])  # fmt: skip
    head = ["run", "steps", "n", "rate", "95% interval"]
    if not several:
        head, body = head[1:], [line[1:] for line in body]
    return join(
        [
            _cap_note(len(body), limit, "rows"),
            table(head, body[:limit], sortable=True, numeric={len(head) - 3, len(head) - 2}),
        ]
    )


@report_section("summary", "Summary", order=5)
def summary_section(ctx: ReportContext) -> Markup:
    """Every measure's finding in one paragraph, before any table (as in `stats --json`)."""
    lines = ctx.stats.summary
    if not lines:
        return el("p", "No measure has data.", class_="muted")
    note = el(
        "p",
        "All variants pooled per checkpoint; rates are among parseable samples with 95% "
        "intervals; change points, trends and first rises are explained under Measures.",
        class_="muted small",
    )
    return join([el("p", " ".join(line.text for line in lines), class_="finding"), note])


@report_section("variants", "Per-variant rates", order=30)
def variants_section(ctx: ReportContext) -> Markup:
    """One sortable row per (model, variant): n, each measure's rate and interval, exclusions."""
    stats = ctx.stats
    parts: list[Any] = [
        el("p", "Click a column to sort. Intervals are Wilson 95%.", class_="muted small")
    ]
    rank = {m.model_id: i for i, m in enumerate(stats.models)}
    for suite, measures in stats.measures.items():
        rows: dict[tuple[str, str], dict[str, RateRow]] = defaultdict(dict)
        checkpoints: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for rate in stats.rates:
            if rate.suite == suite and rate.level == "variant" and rate.variant is not None:
                rows[(rate.model_id, rate.variant)][rate.measure] = rate
                checkpoints[rate.variant].add((rate.run_id, rate.model_id))
        prompts = stats.rollouts.get(suite, len(checkpoints))
        if len(stats.models) > 1 and all(len(c) == 1 for c in checkpoints.values()):
            # Rollouts: a row per prompt, each seen once, compares nothing.
            parts += [
                el("h3", suite),
                el(
                    "p",
                    f"No prompt recurs across checkpoints ({prompts:,} prompts, each "
                    "at one checkpoint), so there is no per-prompt comparison to show; the "
                    "per-step rates are under Measures, and every sample is in the store.",
                    class_="muted",
                ),
            ]
            continue
        head = ["model", "step", "variant", "family", "hash", "n"]
        for m in measures:
            head += [m, f"{m} 95% CI"]
        head += ["unparseable", "error"]
        body = []
        ordered = sorted(rows.items(), key=lambda kv: (rank[kv[0][0]], kv[0][1]))
        limit = ctx.options.max_table_rows
        for (model_id, _), per in ordered[:limit]:
            any_row = next(iter(per.values()))
            line: list[Any] = [
                model_id,
                "" if any_row.step is None else any_row.step,
                any_row.variant,
                any_row.family,
                el("code", (any_row.variant_hash or "")[:12], title=any_row.variant_hash),
                any_row.n,
            ]
            for m in measures:
                r = per.get(m)
                line.append(
                    (
                        pct(r.rate) if r else "",
                        "" if r is None or r.rate is None else f"{r.rate:.6f}",
                    )
                )
                line.append(
                    (
                        interval(r.ci_low, r.ci_high) if r else "",
                        "" if r is None or r.ci_low is None else f"{r.ci_low:.6f}",
                    )
                )
            line += [any_row.unparseable, any_row.error]
            body.append(line)
        numeric = {1, 5, *range(6, len(head))}
        parts += [
            el("h3", suite),
            _cap_note(len(ordered), limit, "rows"),
            table(head, body, sortable=True, numeric=numeric),
        ]
    return join(parts)


__all__ = ["esc"]
