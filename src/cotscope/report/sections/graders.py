"""The "Graders over reasoning" section, and the evidence spans graders add to transcripts.

The numbers are the `graded-rates` result (`GradedResults`): graded rates per
checkpoint, prescreen-corrected rates, action × verbalization counts, score rubrics,
judge agreement and the lexical detectors' validation. The flagged sentences and
evidence spans are typed reads of `cotscope.graders`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from markupsafe import Markup

from cotscope.graders import (
    FLAG_EXAMPLES,
    GradedRate,
    GradedResults,
    evidence_spans,
    flag_examples,
)

from .._context import ReportContext, Span
from .._format import interval, pct
from .._sections import ReportSection
from .._templates import render
from ._graders_parts import agreement_rows, failed_text, score_blocks, validation_note

FAMILY_ROWS = 300
"""Rows of a grader's by-family table shown in the page (the rest are in `stats --json`)."""


def _rate(k: int, n: int, rate: float | None, ci: tuple[float, float] | None) -> str:
    if rate is None:
        return "no data"
    return f"{pct(rate)} {interval(*(ci or (None, None)))} ({k}/{n})"


def _corrected(c: GradedRate) -> str:
    corr = c.corrected
    if corr is None or corr.rate is None:
        return "n/a: skipped CoTs but no audit grade"
    missed = corr.missed or 0.0
    return (
        f"{pct(corr.rate)} {interval(*(corr.interval or (None, None)))} "
        f"(≈{corr.estimated_positive:.1f}/{corr.n}, incl. ≈{missed:.1f} of {corr.skipped} skipped)"
    )


def _block(
    ctx: ReportContext,
    graded: GradedResults,
    cells: list[GradedRate],
    by_family: list[GradedRate],
) -> dict[str, Any]:
    first = cells[0]
    failures: dict[str, int] = defaultdict(int)
    for c in cells:
        for k, v in c.failures.items():
            failures[k] += v
    note = validation_note(graded, first.rubric, first.rubric_hash, first.judge)
    prescreened = any(c.prescreened for c in cells)
    rates = [
        [
            c.model_id, "" if c.step is None else c.step,
            _rate(c.flagged, c.graded, c.rate, c.interval),
            *([_corrected(c)] if prescreened else []),
            failed_text(c.failures), c.screened_out,
            _rate(c.action_k, c.action_n, c.action_rate, c.action_interval),
        ]
        for c in cells
    ]  # fmt: skip
    crosstab = [
        [
            c.model_id, c.followed_said, c.followed_silent, c.declined_said, c.declined_silent,
            _rate(c.followed_silent, c.followed_said + c.followed_silent, c.silent_share,
                  c.silent_interval),  # fmt: skip
        ]
        for c in cells
    ]  # fmt: skip
    examples = flag_examples(ctx.store, first.rubric_hash, first.judge, ctx.stats.run)
    return {
        "title": f"{first.rubric} — {first.judge} — {first.suite}",
        "facts": [
            f"rubric {first.rubric} v{first.rubric_version} ({first.rubric_hash[:12]})",
            f"judge {first.judge}",
            "failed grades: " + (failed_text(failures) if failures else "none"),
            f"unverified quotes: {sum(c.unverified_quotes for c in cells)}",
            "precision/recall " + note,
        ],
        "prescreened": prescreened,
        "rates": rates,
        "suite": first.suite,
        "action": first.action,
        "crosstab": crosstab if first.action else [],
        "families": [
            [
                c.model_id,
                c.family,
                _rate(c.flagged, c.graded, c.rate, c.interval),
                _rate(c.action_k, c.action_n, c.action_rate, c.action_interval),
                c.followed_said,
                c.followed_silent,
                c.declined_said,
                c.declined_silent,
            ]
            for c in by_family
        ],  # fmt: skip
        "flags": [
            {"model_id": x.model_id, "sample": x.sample_uid[:12], "sentence": x.sentence}
            for x in examples
        ],
    }


def _render(ctx: ReportContext) -> Markup | None:
    """Graded rates per checkpoint, score rubrics, failures, validation, agreement."""
    graded = ctx.result("graded-rates", GradedResults)
    if graded is None:
        return None
    groups: dict[tuple[str, str, str], list[GradedRate]] = defaultdict(list)
    families: dict[tuple[str, str, str], list[GradedRate]] = defaultdict(list)
    for c in graded.label_rubrics:
        (groups if c.family is None else families)[(c.rubric_hash, c.judge, c.suite)].append(c)
    return render(
        "sections/graders.html.j2",
        blocks=[_block(ctx, graded, g, families[key]) for key, g in groups.items()],
        scores=score_blocks(graded.score_rubrics),
        agreement=agreement_rows(graded.agreement),
        flag_limit=FLAG_EXAMPLES,
        family_limit=FAMILY_ROWS,
    )


def _spans(ctx: ReportContext, uids: Sequence[str]) -> Iterator[tuple[str, Span]]:
    """Verified evidence quotes of positive grades, as reasoning spans."""
    for e in evidence_spans(ctx.store, uids):
        note = f"{e.judge}: {e.reason}"
        yield e.sample_uid, Span("reasoning", e.start, e.end, e.rubric, note[:300])


SECTION = ReportSection("graders", "Graders over reasoning", order=40, render=_render, spans=_spans)
