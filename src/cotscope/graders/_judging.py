"""Judging a plan's transcripts: the one loop every executor runs, and its grade rows.

`judge_items` is what the single-process path runs (its sink commits to the store)
and what each Ray task runs (its sink collects the rows for the task's shard), so a
grade is made by the same code wherever it runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cotscope.store import GradeRow

from ._judge import JudgeGrade, JudgeSpec, Transcript, judge_transcript
from ._rubric import Rubric


class GradeChunksFailed(RuntimeError):
    """Some chunks of a grading run on Ray failed after Ray's retries (the rest were stored)."""


WRITE_BATCH = 16
"""Grades written per transaction while judging."""


def grade_base(rubric: Rubric, run: str, t: Transcript, judge: str, method: str) -> dict[str, Any]:
    """The key columns of a grade of transcript `t` (everything but the verdict)."""
    return {
        "sample_uid": t.sample_uid, "run": run, "transcript_hash": t.hash, "rubric": rubric.name,
        "rubric_version": rubric.version, "rubric_hash": rubric.sha256, "judge": judge,
        "method": method,
    }  # fmt: skip


TodoItem = tuple[str, Transcript, str | None]
"""One transcript to judge: (run, transcript, prescreen role or None)."""

JudgeTodo = Callable[[Path, Rubric, JudgeSpec, list[TodoItem], Callable[[int], None]], int]
"""How an executor judges a plan's items and commits their grades: the count written.
The last argument is told how many items each commit (or merged shard) completed."""


def judge_row(
    rubric: Rubric, spec: JudgeSpec, run: str, t: Transcript, prescreen: str | None, g: JudgeGrade
) -> GradeRow:
    """A judge's grade of one transcript as the row stored in `grades`."""
    return GradeRow(
        **grade_base(rubric, run, t, spec.key, "judge"), outcome=g.outcome, label=g.label,
        positive=g.positive, scores=g.scores, justification=g.justification,
        evidence=g.evidence, unverified_quotes=g.unverified, chunks=g.chunks,
        n_chunks=len(g.chunks), prescreen=prescreen, error=g.error, raw_output=g.raw_output,
        input_tokens=g.input_tokens, output_tokens=g.output_tokens,
    )  # fmt: skip


async def judge_items(
    rubric: Rubric,
    spec: JudgeSpec,
    todo: Sequence[TodoItem],
    sink: Callable[[list[GradeRow]], object],
) -> None:
    """Judge every item, handing the rows to `sink` in batches of WRITE_BATCH as they finish.

    The one judging loop of every executor: in one process the sink commits to the
    store; a Ray task's sink collects the rows for its shard.
    """
    model = spec.get_model()
    # Batch mode queues every call at once: Inspect groups pending calls into batches.
    gate = asyncio.Semaphore(max(1, len(todo)) if spec.batch else spec.max_connections)
    pending: list[GradeRow] = []

    async def one(run: str, t: Transcript, prescreen: str | None) -> None:
        async with gate:
            g = await judge_transcript(model, spec, rubric, t)
        pending.append(judge_row(rubric, spec, run, t, prescreen, g))
        if len(pending) >= WRITE_BATCH:
            batch = pending[:]
            pending.clear()
            sink(batch)

    await asyncio.gather(*(one(*item) for item in todo))
    if pending:
        sink(pending[:])
