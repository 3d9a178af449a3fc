"""The "Per-variant rates" section: one sortable row per (model, variant)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import Markup

from cotscope.stats import RateRow

from .._context import ReportContext
from .._format import interval, pct
from .._sections import ReportSection
from .._templates import render


def _suite_table(ctx: ReportContext, suite: str, measures: list[str]) -> dict[str, Any]:
    stats = ctx.stats
    rank = {m.model_id: i for i, m in enumerate(stats.models)}
    rows: dict[tuple[str, str], dict[str, RateRow]] = defaultdict(dict)
    checkpoints: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for rate in stats.rates:
        if rate.suite == suite and rate.level == "variant" and rate.variant is not None:
            rows[(rate.model_id, rate.variant)][rate.measure] = rate
            checkpoints[rate.variant].add((rate.run_id, rate.model_id))
    if len(stats.models) > 1 and all(len(c) == 1 for c in checkpoints.values()):
        # Rollouts: a row per prompt, each seen once, compares nothing.
        return {"suite": suite, "prompts": stats.rollouts.get(suite, len(checkpoints))}
    head = ["model", "step", "variant", "family", "hash", "n"]
    for m in measures:
        head += [m, f"{m} 95% CI"]
    head += ["unparseable", "error"]
    ordered = sorted(rows.items(), key=lambda kv: (rank[kv[0][0]], kv[0][1]))
    body = []
    for (model_id, _), per in ordered[: ctx.options.max_table_rows]:
        any_row = next(iter(per.values()))
        cells: list[Any] = []
        for m in measures:
            r = per.get(m)
            cells.append(
                (pct(r.rate) if r else "", "" if r is None or r.rate is None else f"{r.rate:.6f}")
            )
            cells.append(
                (
                    interval(r.ci_low, r.ci_high) if r else "",
                    "" if r is None or r.ci_low is None else f"{r.ci_low:.6f}",
                )
            )
        body.append(
            {
                "model_id": model_id,
                "step": "" if any_row.step is None else any_row.step,
                "variant": any_row.variant,
                "family": any_row.family,
                "hash": any_row.variant_hash or "",
                "n": any_row.n,
                "cells": cells,
                "unparseable": any_row.unparseable,
                "error": any_row.error,
            }
        )
    return {"suite": suite, "head": head, "rows": body, "total": len(ordered)}


def _render(ctx: ReportContext) -> Markup:
    tables = [_suite_table(ctx, s, measures) for s, measures in ctx.stats.measures.items()]
    return render("sections/variants.html.j2", tables=tables, limit=ctx.options.max_table_rows)


SECTION = ReportSection("variants", "Per-variant rates", order=30, render=_render)
