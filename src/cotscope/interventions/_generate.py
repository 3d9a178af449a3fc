"""Generate, score and check one batch of continuations.

Prompts are `template(replayed messages) + think_start + prefix`, so the model
resumes inside its reasoning exactly where the edited prefix ends; the messages
are rendered as cotscope's local provider renders a conversation (earlier
reasoning in its think markers, tool calls and results in the text protocol).
Each continuation is scored by its suite's own scorer (`_score`). With `--resilient`,
edited continuations of a removal whose reasoning brings the removed content
back are resampled with the next try's seed, at most `max_tries` times; the
row records how many tries it took and whether the first one reappeared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cotscope.models import DEFAULT_THINK_END, DEFAULT_THINK_START
from cotscope.stats import EXCLUDED_OUTCOMES
from cotscope.store import InterventionRow

from ._jobs import Job, continuation_seed, read_continuation
from ._options import InterventionOptions, edit_label
from ._score import ContinuationScore, score_batch
from ._segment import segment
from ._targets import TargetSpec

if TYPE_CHECKING:
    from ._backends import Backend, Continuation


def _think(job: Job) -> tuple[str, str]:
    args = job.sample["model_args"]
    return (
        str(args.get("think_start", DEFAULT_THINK_START)),
        str(args.get("think_end", DEFAULT_THINK_END)),
    )


def _prompt(job: Job) -> str:
    from cotscope.models._tool_protocol import chat_dicts

    backend: Backend = job.sample["_backend"]
    think = _think(job)
    rendered: str = backend.render(chat_dicts(job.replay.history, [], "none", think))
    return open_reasoning(rendered, think[0]) + job.replay.prefix


def open_reasoning(rendered: str, think_start: str) -> str:
    """The rendered prompt with the reasoning opened exactly once.

    Some chat templates (DeepSeek-R1 and its distills, Qwen3 with thinking on) end
    the generation prompt with the think marker already; appending another would
    put the model somewhere it has never been.
    """
    if rendered.rstrip().endswith(think_start.strip()):
        return rendered
    return rendered + think_start


def action_of(suite: str) -> str:
    """The suite's primary outcome: what counts as the action by default.

    Raises:
        ValueError: for a suite that declares none (pass `--action`).
    """
    from cotscope.suites import get_suite

    try:
        primary = get_suite(suite).primary_outcome
    except KeyError:
        primary = None
    if primary is None:
        raise ValueError(f"suite {suite!r} has no primary outcome: say which with --action")
    return primary


def _reappears(job: Job, spec: TargetSpec | None, reasoning: str) -> bool | None:
    if job.plan.edit != "remove" or job.arm.arm != "edited" or spec is None:
        return None
    if not spec.has_detector:
        return None
    return bool(spec.find(reasoning))


def generate_rows(
    jobs: Sequence[Job],
    options: InterventionOptions,
    spec: TargetSpec | None,
    edit_key: str,
    params: dict[str, Any],
) -> list[InterventionRow]:
    """Continue, score and (for removals) check reappearance of every job.

    Args:
        jobs: The batch.
        options: The command.
        spec: The target detector, if any.
        edit_key: Key of the experiment.
        params: The experiment's parameters (stored with each row).

    Returns:
        One row per job.
    """
    prompts = [_prompt(j) for j in jobs]
    results: dict[int, Continuation] = {}
    tries = dict.fromkeys(range(len(jobs)), 0)
    first: dict[int, bool | None] = {}
    pending = list(range(len(jobs)))
    while pending:
        by_backend: dict[int, list[int]] = {}
        for i in pending:
            by_backend.setdefault(id(jobs[i].sample["_backend"]), []).append(i)
        for members in by_backend.values():
            backend: Backend = jobs[members[0]].sample["_backend"]
            seeds = [
                continuation_seed(
                    options.seed,
                    edit_key,
                    jobs[i].sample["sample_uid"],
                    jobs[i].plan.site,
                    jobs[i].resample,
                    tries[i],
                )
                for i in members
            ]
            done = backend.continue_from(
                [prompts[i] for i in members],
                max_new_tokens=options.max_new_tokens,
                temperature=options.temperature,
                seeds=seeds,
            )
            for i, continuation in zip(members, done, strict=True):
                results[i] = continuation
                tries[i] += 1
        retry = []
        for i in pending:
            back = _reappears(jobs[i], spec, read_continuation(results[i].text, _think(jobs[i]))[0])
            first.setdefault(i, back)
            if back and options.resilient and tries[i] < options.max_tries:
                retry.append(i)
        pending = retry
    scores = score_batch(
        [
            (
                j.sample["_scorer"],
                j.replay.history,
                j.replay.prefix + read_continuation(results[i].text, _think(j))[0],
                read_continuation(results[i].text, _think(j))[1],
            )
            for i, j in enumerate(jobs)
        ]
    )
    rows = [
        _row(
            j,
            results[i],
            scores[i],
            tries[i],
            first[i],
            prompts[i],
            spec,
            options,
            edit_key,
            params,
        )
        for i, j in enumerate(jobs)
    ]
    _add_similarity(jobs, rows)
    return rows


def _row(
    job: Job,
    done: Continuation,
    score: ContinuationScore,
    tries: int,
    first: bool | None,
    prompt: str,
    spec: TargetSpec | None,
    options: InterventionOptions,
    edit_key: str,
    params: dict[str, Any],
) -> InterventionRow:
    s = job.sample
    action = options.action or action_of(s["suite"])
    reasoning, answer = read_continuation(done.text, _think(job))
    outcome = score.outcome
    backend: Backend = s["_backend"]
    mark = job.arm.mark
    return InterventionRow(
        row_id=job.row_id,
        run=s["run"],
        sample_uid=s["sample_uid"],
        model_id=s["model_id"],
        suite=s["suite"],
        variant_id=s["variant_id"],
        edit=job.plan.edit,
        edit_key=edit_key,
        edit_label=edit_label(options),
        params={**params, "action": action, "inserted": job.plan.inserted},
        arm=job.arm.arm,
        site=job.plan.site,
        resample=job.resample,
        seed=done.seed,
        tries=tries,
        backend=backend.name,
        backend_model=backend.model,
        prefix=job.arm.prefix,
        prefix_hash=hashlib.sha256(prompt.encode()).hexdigest(),
        mark_start=mark[0] if mark else None,
        mark_end=mark[1] if mark else None,
        removed=job.plan.removed,
        continuation=done.text,
        prompt_tokens=done.prompt_tokens,
        completion_tokens=len(done.token_ids) if done.token_ids is not None else None,
        answer=answer,
        parsed_answer=score.answer,
        outcome=outcome,
        action=None if outcome in EXCLUDED_OUTCOMES else outcome == action,
        labels=score.labels,
        error=score.error,
        reappeared=_reappears(job, spec, reasoning),
        reappeared_first=first,
    )


def _add_similarity(jobs: Sequence[Job], rows: list[InterventionRow]) -> None:
    """Similarity of each resampled first sentence to the sentence it replaced."""
    wanted = [
        (k, j.plan.removed or "", r.continuation)
        for k, (j, r) in enumerate(zip(jobs, rows, strict=True))
        if j.plan.edit == "resample-from" and j.arm.arm == "edited" and j.plan.removed
    ]
    if not wanted:
        return
    from ._embed import similarities

    pairs = []
    for _, original, continuation in wanted:
        sentences = segment(continuation)
        pairs.append((original, sentences[0].text if sentences else ""))
    for (k, _, _), sim in zip(wanted, similarities(pairs), strict=True):
        rows[k].similarity = sim
