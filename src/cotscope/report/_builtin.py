"""The built-in sections: the run, each measure over checkpoints, the per-variant table."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from cotscope.stats import ChangePoint, ModelInfo, RateRow, RiseRow, RunStats, TrendRow

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
    per_model = {
        r["model_id"]: r
        for r in ctx.store.query(
            "SELECT model_id, count(*) AS c, any_value(model_args) AS args FROM samples"
            " WHERE run = ? GROUP BY model_id",
            [stats.run],
        )
    }
    model_rows = [
        [
            m.model_id,
            el("code", m.model),
            "" if m.step is None else m.step,
            m.label or "",
            el("code", per_model[m.model_id]["args"] or "{}"),
            (f"{per_model[m.model_id]['c']:,}", per_model[m.model_id]["c"]),
        ]
        for m in stats.models
    ]
    parts = [
        _kv(facts),
        el("h3", "Models"),
        table(
            ["model id", "model", "step", "label", "model args", "samples"],
            model_rows,
            numeric={2, 5},
        ),
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


def _variants_table(ctx: ReportContext) -> Markup:
    limit, cut = ctx.options.max_table_rows, ctx.options.max_chars
    shown_variants = ctx.stats.variants[:limit]
    stored = {
        (r["suite"], r["variant_id"], r["variant_hash"]): r
        for r in ctx.store.query(
            f"SELECT suite, variant_id, variant_hash, version, left(text, {int(cut)}) AS text"
            " FROM variants"
        )
    }
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
    return join([note, table(head, rows, sortable=True)])


def _where(m: ModelInfo, axis: str) -> str:
    return f"step {m.step}" if axis == "step" else (m.label or m.model_id)


def _steps(first: int | None, last: int | None) -> str:
    return f"step {first}" if first == last else f"steps {first}–{last}"


def _windowed_rise_text(stats: RunStats, rise: RiseRow) -> str:
    """The first rise when steps share no prompts and were pooled into windows."""
    first = next(m.step for m in stats.models if m.model_id == rise.baseline_model_id)
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


def _finding(stats: RunStats, rows: list[RateRow], trend: TrendRow, rise: RiseRow) -> Markup:
    by_model = {r.model_id: r for r in rows}
    models = [
        m for m in stats.models if m.model_id in by_model and by_model[m.model_id].rate is not None
    ]
    who = f"family {trend.family}" if trend.family else "all variants"
    if not models:
        return el("p", el("strong", who), ": no data (no parseable sample).", class_="finding")
    first, last = models[0], models[-1]
    base = _where(first, stats.x_axis)
    r0, r1 = by_model[first.model_id], by_model[last.model_id]
    nvar = max(r.n_variants for r in rows)
    parts: list[Any] = [
        el("strong", who),
        f" ({nvar} variant{'s' if nvar != 1 else ''}): {trend.measure} ",
        f"{pct(r0.rate)} {interval(r0.ci_low, r0.ci_high)} at {base} (n = {r0.n})",
    ]
    if last is not first:
        parts.append(
            f" → {pct(r1.rate)} {interval(r1.ci_low, r1.ci_high)} at {_where(last, stats.x_axis)}"
            f" (n = {r1.n}). "
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
        signif = "" if t.p_value < 0.05 else "no significant trend: "
        parts.append(f"Trend: {signif}{word} with {axis} ({how}{slope}, {p_text(t.p_value)}). ")
    if rise.window_min_n is not None:
        parts.append(_windowed_rise_text(stats, rise))
    elif rise.first_rise_model_id:
        hit = next(x for x in rise.tests if x.model_id == rise.first_rise_model_id)
        m = next(m for m in stats.models if m.model_id == rise.first_rise_model_id)
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
    row = stats.change_for(trend.suite, trend.family, trend.measure)
    if row is not None and row.change is not None:
        parts.append(_change_text(row.change, trend.measure))
    elif row is not None and row.note:
        parts.append(f"No change point: {row.note}. ")
    if r0.mde is not None:
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
    from ._figures import rate_figure

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
        for measure in measures:
            parts.append(el("h3", f"{suite}: {measure}", id=f"m-{suite}-{measure}"))
            if ctx.options.figures:
                fig = rate_figure(stats, suite, measure)
                slug = _slug(f"{suite}-{measure}")
                parts.append(
                    ctx.figure(f"rate-{slug}", fig, f"{measure} rate of {suite} by family")
                )
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
                fam_rows = [r for r in agg if r.family == trend.family]
                parts.append(_finding(stats, fam_rows, trend, rise))
            parts.append(
                el(
                    "details",
                    el("summary", "numbers behind the figure"),
                    _family_numbers(stats, agg),
                )
            )
    return join(parts)


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
        for rate in stats.rates:
            if rate.suite == suite and rate.level == "variant" and rate.variant is not None:
                rows[(rate.model_id, rate.variant)][rate.measure] = rate
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
