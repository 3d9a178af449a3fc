"""What one judge still has to grade on a run: the plan `grade_run` hands to an executor.

Stored grades are reused (failures judged again unless told not to), a transcript
already graded elsewhere in the run is copied by its hash, identical transcripts of
this batch are judged once, and the prescreen's skipped CoTs are recorded as such.
The plan is the same for every executor, so a Ray run and one process judge the
same transcripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cotscope.store import FAILURE_OUTCOMES, GradeRow, Store, read_grades, write_grades

from ._judge import JudgeSpec, Transcript
from ._judging import TodoItem, grade_base
from ._rubric import Rubric


@dataclass
class JudgePlan:
    """What one judge still has to do on a run."""

    todo: list[TodoItem] = field(default_factory=list)
    """Transcripts to judge (the first of each distinct transcript)."""
    copies: list[GradeRow] = field(default_factory=list)
    """Grades copied from an identical, already graded transcript."""
    later: list[tuple[str, Transcript]] = field(default_factory=list)
    """Identical transcripts of this batch, copied once the first is judged."""
    first_by_hash: dict[str, str] = field(default_factory=dict)
    retried: int = 0
    """Stored failures judged again."""


def plan_judge(
    store: Store, rubric: Rubric, spec: JudgeSpec, items: list[tuple[str, Transcript]],
    role: dict[str, str], retry_failures: bool,
) -> JudgePlan:  # fmt: skip
    existing = {
        g.sample_uid: g for g in read_grades(store, rubric_hash=rubric.sha256, judge=spec.key)
    }
    retry = set(FAILURE_OUTCOMES) if retry_failures else set()
    by_transcript = {g.transcript_hash: g for g in existing.values() if g.outcome not in retry}
    out = JudgePlan()
    skipped: list[GradeRow] = []
    for run, t in items:
        prior = existing.get(t.sample_uid)
        if role.get(t.sample_uid) == "skipped":
            if prior is None or prior.outcome != "graded":
                skipped.append(GradeRow(
                    **grade_base(rubric, run, t, spec.key, "judge"), outcome="screened-out",
                    prescreen="skipped",
                ))  # fmt: skip
            continue
        if prior is not None and prior.outcome not in retry and prior.outcome != "screened-out":
            continue
        out.retried += prior is not None and prior.outcome in retry
        source = by_transcript.get(t.hash)
        if source is not None and source.sample_uid != t.sample_uid:
            out.copies.append(copy_grade(source, run, t.sample_uid, role.get(t.sample_uid)))
        elif t.hash in out.first_by_hash:
            out.later.append((run, t))
        else:
            out.first_by_hash[t.hash] = t.sample_uid
            out.todo.append((run, t, role.get(t.sample_uid)))
    write_grades(store, skipped + out.copies)
    return out


def copy_grade(source: GradeRow, run: str, sample_uid: str, prescreen: str | None) -> GradeRow:
    data = source.model_dump(exclude={"grade_uid", "sample_uid", "run", "created_at"})
    data |= {"cached_from": source.grade_uid, "prescreen": prescreen}
    return GradeRow(sample_uid=sample_uid, run=run, **data)
