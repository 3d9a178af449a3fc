"""The "Run" section: spec, models, serving environment, seeds and every variant's hash."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from markupsafe import Markup

from cotscope.stats import RunStats
from cotscope.store import SampleFilter, count_samples, run_record, variant_texts

from .._context import ReportContext
from .._sections import ReportSection
from .._templates import render

MANY_CHECKPOINTS = 60
"""Beyond this many checkpoints (or variants) their tables are folded."""


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, value


def _seeds(spec: Any) -> list[str]:
    return [f"{k} = {v}" for k, v in _flatten(spec) if k.split(".")[-1] == "seed" and v is not None]


def _facts(ctx: ReportContext) -> list[tuple[str, Any]]:
    stats = ctx.stats
    record = run_record(ctx.store, stats.run)
    outcomes = stats.outcome_counts
    counts = ", ".join(f"{o}: {n:,}" for o, n in outcomes.items())
    facts: list[tuple[str, Any]] = [
        ("run", stats.run),
        ("samples", f"{stats.samples:,} ({counts})"),
        ("x axis", "training step" if stats.x_axis == "step" else "model order"),
        ("spec hash", (record and record.spec_hash) or "not recorded"),
        ("seeds", "; ".join(_seeds(record.spec if record else None)) or "not recorded"),
        ("created", (record and record.created_at) or "not recorded"),
        ("updated", (record and record.updated_at) or "not recorded"),
    ]
    if len(stats.runs) > 1:
        facts.insert(2, ("training runs", ", ".join(stats.runs)))
    return facts


def _model_args(ctx: ReportContext) -> dict[tuple[str, str], str | None]:
    """The model arguments each checkpoint ran with (JSON text, as stored)."""
    counts = count_samples(
        ctx.store, SampleFilter(run=ctx.stats.run), ("run_id", "model_id", "model_args")
    )
    return {(str(r), str(m)): args for (r, m, args), _ in counts}


def _model_rows(
    stats: RunStats, args: dict[tuple[str, str], str | None], limit: int
) -> list[dict[str, Any]]:
    return [
        {
            "run_id": m.run_id,
            "model_id": m.model_id,
            "model": m.model,
            "step": "" if m.step is None else m.step,
            "label": m.label or "",
            "args": args.get(m.key) or "{}",
            "samples": m.samples,
        }
        for m in stats.models[:limit]
    ]


def _run_rows(stats: RunStats) -> list[list[Any]]:
    """One row per training run: its models, steps, checkpoints and samples."""
    rows = []
    for run_id in stats.runs:
        ms = [m for m in stats.models if m.run_id == run_id]
        steps = [m.step for m in ms if m.step is not None]
        span = f"{min(steps):,}–{max(steps):,}" if steps else ""
        models = ", ".join(sorted({m.model for m in ms}))
        samples = sum(m.samples for m in ms)
        rows.append([run_id, models, span, (f"{len(ms):,}", len(ms)), (f"{samples:,}", samples)])
    return rows


def _variant_rows(ctx: ReportContext) -> list[dict[str, Any]]:
    shown = ctx.stats.variants[: ctx.options.max_table_rows]
    # Only the variants shown: a rollout log stores a million one-sample "variants".
    texts = variant_texts(ctx.store, [v.variant_hash for v in shown], ctx.options.max_chars)
    rows = []
    for v in shown:
        stored = texts.get((v.suite, v.variant_id, v.variant_hash))
        rows.append(
            {
                "suite": v.suite,
                "name": v.name,
                "family": v.family,
                "version": (stored and stored.version) or "",
                "hash": v.variant_hash,
                "text": stored.text if stored else None,
            }
        )
    return rows


def _render(ctx: ReportContext) -> Markup:
    stats = ctx.stats
    record = run_record(ctx.store, stats.run)
    env = record.environment if record else None
    return render(
        "sections/run.html.j2",
        facts=_facts(ctx),
        several_runs=len(stats.runs) > 1,
        models=_model_rows(stats, _model_args(ctx), ctx.options.max_table_rows),
        n_models=len(stats.models),
        runs=_run_rows(stats) if len(stats.models) > MANY_CHECKPOINTS else None,
        environment=list(_flatten(env)) if env else None,
        variants=_variant_rows(ctx),
        n_variants=len(stats.variants),
        fold_variants=len(stats.variants) > MANY_CHECKPOINTS,
        spec=record.spec if record else None,
        limit=ctx.options.max_table_rows,
    )


SECTION = ReportSection("run", "Run", order=10, render=_render)
