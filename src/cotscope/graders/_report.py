"""The report's graders section and the evidence spans graders contribute to the browser.

Registered through `cotscope.report`'s extension points; the numbers come from
`graded_rates` (this package), the lexical detectors' precision and recall from the
shipped labelled set, and judges' from `<run>/validations/*.json` when
`cotscope validate-grader --out` wrote one there. Score rubrics, judge agreement
and the flagged sentences are rendered by `_report_parts`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from ..report import Markup, ReportContext, Span, el, interval, join, pct, report_section, table
from ..report import transcript_spans as register_spans
from ._lexical import load_detector
from ._rates import GradedRate, GradedResults, graded_results
from ._report_parts import agreement_block, flag_examples, score_blocks
from ._store import has_grades_table
from ._validate import load_labels, validate_lexical

VALIDATIONS_DIRNAME = "validations"
"""Folder in a run directory holding `validate-grader --out` JSON files."""


def _rate(k: int, n: int, ci: tuple[float, float] | None) -> str:
    if not n:
        return "no data"
    return f"{pct(k / n)} {interval(*(ci or (None, None)))} ({k}/{n})"


PRESCREEN_NOTE = (
    "Under a lexical prescreen the judge saw the detector's candidates and a random audit "
    "of the unflagged CoTs. The corrected rate counts every CoT: judged positives plus "
    "(audit positive share × skipped CoTs), over graded + skipped; its interval draws each "
    "part's rate from a Jeffreys Beta distribution, so the audit's uncertainty widens it."
)


def _corrected(c: GradedRate) -> str:
    corr = c.corrected
    if corr is None or corr.rate is None:
        return "n/a: skipped CoTs but no audit grade"
    missed = corr.missed or 0.0
    return (
        f"{pct(corr.rate)} {interval(*(corr.interval or (None, None)))} "
        f"(≈{corr.estimated_positive:.1f}/{corr.n}, incl. ≈{missed:.1f} of {corr.skipped} skipped)"
    )


def _validation_note(ctx: ReportContext, rubric: str, rubric_hash: str, judge: str) -> str:
    if judge.startswith("lexical:"):
        try:
            det, items = load_detector(rubric), load_labels()
        except (KeyError, ValueError):
            return "not measured"
        parts = []
        for split, what in ((None, "all"), ("heldout", "held-out, never used to tune")):
            v = validate_lexical(det, items, split)
            if v.n:
                parts.append(
                    f"{what} (n={v.n}): precision {pct(v.precision)} "
                    f"{interval(*(v.precision_interval or (None, None)))}, recall "
                    f"{pct(v.recall)} {interval(*(v.recall_interval or (None, None)))}"
                )
        return "on the shipped labelled set, " + "; ".join(parts) if parts else "not measured"
    folder = ctx.run_dir / VALIDATIONS_DIRNAME
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if data.get("judge") == judge and data.get("rubric_hash") == rubric_hash:
            p, r = data.get("precision"), data.get("recall")
            return (
                f"{path.name} (n={data.get('n')}): precision {pct(p)} "
                f"{interval(*(data.get('precision_ci') or (None, None)))}, recall {pct(r)} "
                f"{interval(*(data.get('recall_ci') or (None, None)))}"
            )
    return (
        "not measured for this judge: run `cotscope validate-grader --grader "
        f"{rubric} --judge <model> --out {VALIDATIONS_DIRNAME}/<name>.json` in the run directory"
    )


def _block(ctx: ReportContext, cells: list[GradedRate]) -> Markup:
    first = cells[0]
    failures: dict[str, int] = defaultdict(int)
    for c in cells:
        for k, v in c.failures.items():
            failures[k] += v
    facts = [
        f"rubric {first.rubric} v{first.rubric_version} ({first.rubric_hash[:12]})",
        f"judge {first.judge}",
        "failed grades: "
        + (", ".join(f"{k} {v}" for k, v in sorted(failures.items())) if failures else "none"),
        f"unverified quotes: {sum(c.unverified_quotes for c in cells)}",
        "precision/recall " + _validation_note(ctx, first.rubric, first.rubric_hash, first.judge),
    ]
    prescreened = any(c.prescreened for c in cells)
    rates = [
        [
            c.model_id, "" if c.step is None else c.step,
            _rate(c.flagged, c.graded, c.interval),
            *([_corrected(c)] if prescreened else []),
            ", ".join(f"{k} {v}" for k, v in sorted(c.failures.items())) or "0",
            c.screened_out, _rate(c.action_k, c.action_n, c.action_interval),
        ]
        for c in cells
    ]  # fmt: skip
    rate_head = (
        ["judged-only rate [95% Wilson] (k/n), biased up by the prescreen",
         "prescreen-corrected rate [95% bootstrap] over judged + skipped"]
        if prescreened else ["graded rate [95% Wilson] (k/n)"]
    )  # fmt: skip
    co = [
        [
            c.model_id, c.followed_said, c.followed_silent, c.declined_said, c.declined_silent,
            _rate(c.followed_silent, c.followed_said + c.followed_silent, c.silent_interval),
        ]
        for c in cells
    ]  # fmt: skip
    action = first.action or "no behaviour declared"
    crosstab = (
        [
            el("p", f"Action × verbalization in {first.suite}, where the action is {action}: "
               "followed (took the action) and the CoT was flagged / followed silently / "
               "declined and the CoT was flagged (e.g. refused and said why) / declined, "
               "silent. Following silently is what a CoT monitor misses.",
               class_="muted small"),
            table(["model", "followed, said", "followed, silent", "declined, said",
                   "declined, silent", "silent share of followers"], co),
        ]
        if first.action else []
    )  # fmt: skip
    return join([
        el("h3", f"{first.rubric} — {first.judge} — {first.suite}"),
        el("ul", *(el("li", f) for f in facts), class_="small"),
        table(["model", "step", *rate_head, "failed", "screened out",
                f"action rate: {action}"], rates),
        *([el("p", PRESCREEN_NOTE, class_="muted small")] if prescreened else []),
        *crosstab,
        flag_examples(ctx.store, first.rubric_hash, first.judge, ctx.stats.run) or "",
    ])  # fmt: skip


@report_section("graders", "Graders over reasoning", order=40)
def graders_section(ctx: ReportContext) -> Markup | None:
    """Graded rates per checkpoint, score rubrics, failures, validation, agreement."""
    # As `cotscope analyse` stored it, else computed here.
    graded = ctx.result("graded-rates", GradedResults) or graded_results(ctx.store, ctx.stats.run)
    if graded is None:
        return None
    cells, scores = graded.label_rubrics, graded.score_rubrics
    agreement = agreement_block(graded.agreement)
    groups: dict[tuple[str, str, str], list[GradedRate]] = defaultdict(list)
    for c in cells:
        groups[(c.rubric_hash, c.judge, c.suite)].append(c)
    intro = el(
        "p",
        "Share of CoTs each grader flagged, per checkpoint, with n and Wilson intervals, and "
        "mean scores of score rubrics (e.g. illegibility) with bootstrap intervals; "
        "failed grades (refusal, unparseable, context overflow, API error) are counted apart "
        "and never read as 'no'. Flags link to their evidence in the transcript browser.",
        class_="muted",
    )
    return join([
        intro, *(_block(ctx, g) for g in groups.values()), *score_blocks(scores),
        *([agreement] if agreement is not None else []),
    ])  # fmt: skip


@register_spans("graders")
def grader_spans(ctx: ReportContext, uids: Sequence[str]) -> Iterator[tuple[str, Span]]:
    """Verified evidence quotes of positive grades, as reasoning spans."""
    if not uids or not has_grades_table(ctx.store):
        return
    marks = ", ".join("?" for _ in uids)
    rows = ctx.store.query(
        "SELECT sample_uid, rubric, judge, justification, evidence FROM grades "
        f"WHERE positive AND sample_uid IN ({marks})",
        list(uids),
    )
    for row in rows:
        evidence = row["evidence"]
        items = json.loads(evidence) if isinstance(evidence, str) else evidence or []
        for e in items:
            if e.get("verified") and e.get("start") is not None and e.get("end") is not None:
                note = f"{row['judge']}: {row['justification'] or e.get('rule') or ''}"
                span = Span("reasoning", int(e["start"]), int(e["end"]), row["rubric"], note[:300])
                yield row["sample_uid"], span
