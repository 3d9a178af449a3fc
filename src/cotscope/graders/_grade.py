"""Grading a run: lexical detectors, judges, panels and prescreens over the store's CoTs.

Every sample with non-empty reasoning is graded; grades are written to the run's
`grades` table in batches as they finish, so an interrupted run resumes where it
stopped. Existing grades are reused, failed ones judged again (unless
`retry_failures` is off), and a transcript already graded for another sample with the
same rubric and judge is copied, not re-judged.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cotscope.stats import resolve_run, wilson_interval
from cotscope.store import (
    WRITER_COMMIT_TIMEOUT_S,
    GradeRow,
    SampleFilter,
    Store,
    read_grades,
    read_samples,
    require_store,
    write_grades,
    writer_lock,
)

from ._judge import JudgeSpec, Transcript
from ._judge_plan import copy_grade, plan_judge
from ._judging import JudgeTodo, TodoItem, grade_base, judge_items
from ._lexical import (
    LexicalDetector,
    LexicalSpan,
    MissedEstimate,
    estimate_missed,
    load_detector,
    plan_prescreen,
    scan_texts,
)
from ._panel import panel_agreement
from ._prescreen import CorrectedRate, corrected_rate, stratum
from ._rubric import Rubric

if TYPE_CHECKING:
    from cotscope.runner._progress import WorkProgress


@dataclass
class JudgeSummary:
    """Counts of one judge's (or detector's) grades on the run."""

    judge: str
    """Judge key."""
    method: str
    """`judge` or `lexical`."""
    total: int = 0
    """Samples with reasoning considered."""
    graded: int = 0
    """Successful grades (the rate's n)."""
    positive: int = 0
    """Graded samples flagged positive."""
    failures: dict[str, int] = field(default_factory=dict)
    """Failed grades by outcome."""
    screened_out: int = 0
    """Samples a prescreen did not send to the judge."""
    new: int = 0
    """Grades produced by this call (the rest were already stored or copied)."""
    copied: int = 0
    """Grades copied from an identical transcript."""
    retried: int = 0
    """Stored failures this call judged again (the rest of `failures` still fail)."""
    unverified_quotes: int = 0
    """Evidence quotes not found verbatim in the reasoning."""
    missed: MissedEstimate | None = None
    """Prescreen's missed-positive estimate, when a prescreen was used."""
    corrected: CorrectedRate | None = None
    """Prescreen-corrected rate over every CoT (judged and skipped), when a prescreen was used."""

    @property
    def rate(self) -> float | None:
        """Positive / graded, None with no grades."""
        return self.positive / self.graded if self.graded else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Wilson interval of the rate."""
        return wilson_interval(self.positive, self.graded)


@dataclass
class GradeSummary:
    """Result of `grade_run`."""

    rubric: str
    rubric_version: int
    rubric_hash: str
    samples: int
    """Samples in the run."""
    without_reasoning: int
    """Samples with no reasoning text (not graded)."""
    judges: list[JudgeSummary]
    agreement: dict[str, float | None] = field(default_factory=dict)
    """Panel agreement: `cohen_kappa` (two judges) and/or `krippendorff_alpha`."""


def _transcripts(
    store: Store, run: str | None, limit: int | None, target: str = "reasoning"
) -> tuple[list[Any], int, int, dict[str, str]]:
    rows = read_samples(
        store,
        SampleFilter(run=run or None),
        ("sample_uid", "run", "model_id", "prompt", "reasoning", "answer"),
        order_by=("model_order", "sample_uid"),
    )
    # `target` is the column graded: the CoT, or the visible answer for an answer rubric.
    with_cot = [r for r in rows if r[target] and r[target].strip()]
    if limit is not None:
        with_cot = with_cot[:limit]
    items = [
        (
            r["run"],
            Transcript(
                r["sample_uid"],
                r["prompt"] or "",
                r[target],
                (r["answer"] or "") if target == "reasoning" else "",
            ),
        )
        for r in with_cot
    ]
    return (
        items,
        len(rows),
        len(rows) - len([r for r in rows if r[target] and r[target].strip()]),
        {r["sample_uid"]: r["model_id"] for r in with_cot},
    )


def lexical_row(
    rubric: Rubric,
    det: LexicalDetector,
    run: str,
    t: Transcript,
    hits: Sequence[LexicalSpan] | None = None,
) -> GradeRow:
    """A detector's grade of one transcript, with its hits as verified evidence.

    `hits`: the detector's hits in the transcript when already found (on Ray workers).
    """
    hits = det.detect(t.reasoning) if hits is None else hits
    negative = next(lab for lab in rubric.labels if lab != rubric.positive)
    return GradeRow(
        **grade_base(rubric, run, t, det.key, "lexical"),
        outcome="graded",
        label=rubric.positive if hits else negative,
        positive=bool(hits),
        evidence=[
            {"quote": h.text, "verified": True, "start": h.start, "end": h.end, "rule": h.rule}
            for h in hits
        ],
        justification=f"{len(hits)} lexical hit(s)" if hits else None,
    )


def _summarise(judge: str, method: str, rows: list[GradeRow]) -> JudgeSummary:
    s = JudgeSummary(judge, method, total=len(rows))
    for r in rows:
        if r.outcome == "graded":
            s.graded += 1
            s.positive += bool(r.positive)
        elif r.outcome == "screened-out":
            s.screened_out += 1
        else:
            s.failures[r.outcome] = s.failures.get(r.outcome, 0) + 1
        s.unverified_quotes += r.unverified_quotes
    return s


def _write(run_dir: Path, rows: list[GradeRow]) -> int:
    """Commit grades, opening the database only for this write (readers get it between)."""
    if not rows:
        return 0
    with Store(run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
        return write_grades(store, rows)


def judge_local(
    run_dir: Path,
    rubric: Rubric,
    spec: JudgeSpec,
    todo: list[TodoItem],
    advance: Callable[[int], None],
) -> int:
    """Judge in this process, committing each batch of grades to the store as it finishes."""
    written = 0

    def commit(rows: list[GradeRow]) -> None:
        nonlocal written
        written += _write(run_dir, rows)
        advance(len(rows))

    asyncio.run(judge_items(rubric, spec, todo, commit))
    return written


def grade_run(
    run_dir: str | Path,
    rubric: Rubric,
    judges: list[JudgeSpec] | None = None,
    *,
    lexical: bool = False,
    prescreen: Literal["lexical"] | None = None,
    audit_fraction: float = 0.1,
    seed: int = 0,
    run: str | None = None,
    limit: int | None = None,
    retry_failures: bool = True,
    lexicon_folders: list[Path] | None = None,
    executor: Literal["local", "ray"] = "local",
    address: str | None = None,
    storage: str | None = None,
    chunk_size: int = 256,
    echo: Callable[[str], None] | None = None,
    display: str = "none",
) -> GradeSummary:
    """Grade every CoT of a run with a rubric, by judges and/or the lexical detector.

    Holds the run directory's writer lock throughout, but opens the database only to
    plan, to commit each batch of grades and to summarise, so `stats` and `report`
    can read the run while a slow judge works.

    Args:
        run_dir: Run directory holding `cotscope.duckdb`.
        rubric: The rubric.
        judges: Judge models; two or more form a panel whose agreement is reported.
        lexical: Also (or only) grade with the rubric's lexical detector.
        prescreen: `lexical`: judges see only flagged CoTs plus a random audit sample.
        audit_fraction: Share of unflagged CoTs audited by the judges under a prescreen.
        seed: Seed of the audit sample.
        run: Run name when the store holds several.
        limit: Grade at most this many CoTs (in store order), e.g. for a trial.
        retry_failures: Re-judge stored failures of every kind (False keeps them all).
        lexicon_folders: User lexicon folders.
        executor: `local` judges in this process; `ray` shards the same plan's judge
            calls over Ray tasks of `chunk_size` transcripts (see `_grade_ray`).
        address: Ray cluster to join (`auto`, `ray://...`); None starts a local Ray.
        storage: Folder or fsspec URL for Ray's grade shards (default
            `<run_dir>/grade-shards`).
        chunk_size: Transcripts per Ray task.
        echo: Where the Ray executor reports merged leftovers and failed chunks, and
            where `display="plain"` writes its progress lines.
        display: Progress of the judge calls (transcripts committed / planned, per
            judge): `rich` bars on stderr, `plain` lines through `echo`, `none`.

    Returns:
        Counts per judge, and panel agreement.

    Raises:
        StoreError: no store, another writer, a read-only or full run directory.
        GradeChunksFailed: (Ray) some chunks still failed after Ray's retries; the
            others are stored, and the same call judges only what is missing.
    """
    judges = judges or []
    needs_detector = lexical or prescreen == "lexical"
    if needs_detector and rubric.kind != "label":
        raise ValueError(f"rubric {rubric.name!r} is a score rubric; lexical detectors need labels")
    detector = load_detector(rubric.name, lexicon_folders or []) if needs_detector else None
    summaries: list[JudgeSummary] = []
    run_dir = Path(run_dir)
    require_store(run_dir)
    from cotscope.runner._progress import WorkProgress

    with writer_lock(run_dir, "cotscope grade"), ExitStack() as stack:
        progress = stack.enter_context(
            WorkProgress(
                display if judges else "none",
                echo or print,
                unit="transcripts",
                overall="all judges",
            )  # fmt: skip
        )
        judge_todo: JudgeTodo = judge_local
        scan: Callable[[LexicalDetector, Sequence[str], bool], list[Any]] = scan_texts
        if executor == "ray":  # merges an earlier run's leftover shards before planning
            from ._grade_ray import RayGrading

            ray_grading = stack.enter_context(
                RayGrading(run_dir, storage, address, chunk_size, echo or print)
            )
            judge_todo, scan = ray_grading, ray_grading.scan
        with Store(run_dir, create=False) as store:
            if run is not None:
                resolve_run(store, run)  # an unknown name is an error, not zero samples
            items, n_samples, no_cot, model_of = _transcripts(store, run, limit, rubric.target)
            uids = {t.sample_uid for _, t in items}
            hits: list[Any] | None = None
            if detector is not None and lexical:
                hits = scan(detector, [t.reasoning for _, t in items], False)
                rows = [
                    lexical_row(rubric, detector, r, t, h)
                    for (r, t), h in zip(items, hits, strict=True)
                ]
                write_grades(store, rows)
                s = _summarise(detector.key, "lexical", rows)
                s.new = len(rows)
                summaries.append(s)
        plan = None
        if detector is not None and prescreen == "lexical":
            found = (
                hits if hits is not None else scan(detector, [t.reasoning for _, t in items], True)
            )
            flags = {t.sample_uid: bool(f) for (_, t), f in zip(items, found, strict=True)}
            plan = plan_prescreen(flags, audit_fraction, seed, strata=model_of)
        role = {}
        if plan is not None:
            role = {u: "candidate" for u in plan.candidates}
            role |= {u: "audit" for u in plan.audit} | {u: "skipped" for u in plan.skipped}
        for spec in judges:
            summaries.append(
                _grade_with(
                    run_dir, rubric, spec, items, role, retry_failures, uids, judge_todo, progress
                )  # fmt: skip
            )
            if plan is not None:
                with Store(run_dir) as store:
                    summaries[-1].missed = _missed(
                        store, rubric, spec, plan.audit, len(plan.skipped)
                    )
                    summaries[-1].corrected = _corrected(store, rubric, spec, model_of)
        with Store(run_dir) as store:
            agreement = panel_agreement(store, rubric, [j.key for j in judges], uids)
    return GradeSummary(
        rubric.name, rubric.version, rubric.sha256, n_samples, no_cot, summaries, agreement
    )


def _grade_with(
    run_dir: Path, rubric: Rubric, spec: JudgeSpec, items: list[tuple[str, Transcript]],
    role: dict[str, str], retry_failures: bool, uids: set[str], judge_todo: JudgeTodo,
    progress: WorkProgress,
) -> JudgeSummary:  # fmt: skip
    with Store(run_dir) as store:
        plan = plan_judge(store, rubric, spec, items, role, retry_failures)
    label = f"{rubric.name} by {spec.key}"
    progress.plan(label, len(plan.todo))
    new = (
        judge_todo(run_dir, rubric, spec, plan.todo, lambda n: progress.advance(label, n))
        if plan.todo
        else 0
    )
    with Store(run_dir) as store:
        copies = plan.copies
        if plan.later:  # identical transcripts in this batch: judged once, then copied
            judged = {
                g.sample_uid: g
                for g in read_grades(store, rubric_hash=rubric.sha256, judge=spec.key)
            }
            dupes = [
                copy_grade(
                    judged[plan.first_by_hash[t.hash]], run, t.sample_uid, role.get(t.sample_uid)
                )
                for run, t in plan.later
            ]
            write_grades(store, dupes)
            copies = copies + dupes
        rows = [
            g
            for g in read_grades(store, rubric_hash=rubric.sha256, judge=spec.key)
            if g.sample_uid in uids
        ]
    summary = _summarise(spec.key, "judge", rows)
    summary.new, summary.copied, summary.retried = new, len(copies), plan.retried
    return summary


def _missed(
    store: Store, rubric: Rubric, spec: JudgeSpec, audit: list[str], skipped: int
) -> MissedEstimate:
    grades = read_grades(store, rubric_hash=rubric.sha256, judge=spec.key)
    audited = [g for g in grades if g.sample_uid in set(audit) and g.outcome == "graded"]
    return estimate_missed(sum(bool(g.positive) for g in audited), len(audited), skipped)


def _corrected(
    store: Store, rubric: Rubric, spec: JudgeSpec, model_of: dict[str, str]
) -> CorrectedRate:
    by_model: dict[str, list[tuple[str, bool | None, str | None]]] = {}
    for g in read_grades(store, rubric_hash=rubric.sha256, judge=spec.key):
        if g.sample_uid in model_of:
            by_model.setdefault(model_of[g.sample_uid], []).append(
                (g.outcome, g.positive, g.prescreen)
            )
    return corrected_rate([stratum(rows) for _, rows in sorted(by_model.items())])


def outcome_counts(rows: list[GradeRow]) -> Counter[str]:
    """Grades by outcome."""
    return Counter(r.outcome for r in rows)
