"""Score a continuation with its suite's own Inspect scorer, for any single-turn suite.

No suite needs code here: for a stored sample, the suite's task is built for the
sample's variant, epoch and seed (`SuiteDef.build_task([WorkItem(...)])`), and
its first scorer (the one whose value the runner stores as the outcome) is
called on a `TaskState` that carries the task sample's metadata, the replayed
conversation and the continued reply. The variant is the exact one that was run
(the store's `variants` table), else the suite's data files.

Suites whose outcome depends on what the model *did* (tool calls, files in a
workspace, a sandbox) cannot be scored from a continued text: scoring would
need the episode replayed. They are refused before anything is generated, with
the reason: a task with a sandbox or sample files, or a solver that is not a
single generate call, or a task whose metadata declares
`continuation: "unsupported"` (`"single-turn"` declares the opposite).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cotscope.store import stored_variant

if TYPE_CHECKING:
    from inspect_ai import Task
    from inspect_ai.dataset import Sample
    from inspect_ai.model import ChatMessage
    from inspect_ai.scorer import Scorer

    from cotscope.suites import Variant

SINGLE_TURN_SOLVERS = frozenset({"generate", "inspect_ai/generate", "cotscope/seeded_generate"})
"""Solvers that only call generate once on the sample's messages."""


class ScorerError(LookupError):
    """No scorer, or no variant, can score a sample's continuations."""


@dataclass(frozen=True)
class ContinuationScore:
    """A suite scorer's verdict on one continuation."""

    outcome: str
    """The score's value (`error` when the scorer raised)."""
    answer: str | None
    """The parsed answer (`score.answer`)."""
    labels: dict[str, Any]
    """The score's metadata."""
    error: str | None = None
    """What the scorer raised, if it did."""


class ContinuationScorer:
    """One sample's suite scorer, with the task sample it was built for."""

    def __init__(self, suite: str, variant: Variant, epoch: int, seed: int | None) -> None:
        """Build the suite's task for this variant and check it can score a text.

        Args:
            suite: Suite name.
            variant: The variant the sample ran.
            epoch: The sample's epoch.
            seed: The sample's seed.

        Raises:
            ScorerError: The suite is unknown or its outcome is not a function of the reply.
        """
        from cotscope.suites import WorkItem, get_suite

        try:
            suite_def = get_suite(suite)
        except KeyError:
            raise ScorerError(
                f"suite {suite!r} is not a cotscope suite, so its continuations have no "
                "scorer; ingest the transcripts with --suite/variant of a cotscope suite"
            ) from None
        task = suite_def.build_task([WorkItem(variant, epoch, seed)])
        why = agentic_reason(task)
        if why is not None:
            raise ScorerError(
                f"suite {suite!r} cannot score a continued reply: its outcome depends on "
                f"tool actions or workspace state ({why}); interventions need a "
                "single-turn suite"
            )
        if not task.scorer:
            raise ScorerError(f"suite {suite!r} has no scorer")
        self.suite = suite
        self.sample: Sample = task.dataset[0]
        self.scorer: Scorer = task.scorer[0]

    async def _score(
        self, history: Sequence[ChatMessage], reasoning: str, answer: str
    ) -> ContinuationScore:
        from inspect_ai.model import (
            ChatMessageAssistant,
            ContentReasoning,
            ContentText,
            ModelName,
            ModelOutput,
        )
        from inspect_ai.scorer import Target
        from inspect_ai.solver import TaskState

        reply = ChatMessageAssistant(
            content=[ContentReasoning(reasoning=reasoning), ContentText(text=answer)],
            model="intervention",
        )
        output = ModelOutput.from_message(reply)
        state = TaskState(
            model=ModelName("cotscope/intervention"),
            sample_id=self.sample.id or 0,
            epoch=1,
            input=self.sample.input,
            messages=[*history, reply],
            target=Target(self.sample.target),
            choices=self.sample.choices,
            output=output,
            completed=True,
            metadata=dict(self.sample.metadata or {}),
        )
        try:
            score = await self.scorer(state, Target(self.sample.target))
        except Exception as ex:  # a scorer crash is an outcome, never a "no"
            return ContinuationScore("error", None, {}, f"{type(ex).__name__}: {ex}")
        if score is None:
            return ContinuationScore("error", None, {}, "scorer returned no score")
        meta = json.loads(json.dumps(score.metadata or {}, default=str))
        answer_text = None if score.answer is None else str(score.answer)
        return ContinuationScore(str(score.value), answer_text, meta)


def score_batch(
    items: Sequence[tuple[ContinuationScorer, Sequence[ChatMessage], str, str]],
) -> list[ContinuationScore]:
    """Score continuations with their suites' scorers.

    Args:
        items: (scorer, replayed history, full reasoning, visible answer) per continuation.

    Returns:
        One score per item, in order (`error` outcomes for scorers that raised).
    """

    async def run() -> list[ContinuationScore]:
        return list(await asyncio.gather(*(s._score(h, r, a) for s, h, r, a in items)))

    return asyncio.run(run())


def agentic_reason(task: Task) -> str | None:
    """Why a task's outcome is not a function of one reply, or None when it is.

    Args:
        task: A suite's task.

    Returns:
        The reason, or None for a single-turn task.
    """
    from inspect_ai._util.registry import is_registry_object, registry_info

    declared = (task.metadata or {}).get("continuation")
    if declared == "single-turn":
        return None
    if declared == "unsupported":
        return "the suite declares continuation: unsupported"
    if task.sandbox is not None:
        return "the task runs in a sandbox"
    for sample in task.dataset:
        if sample.sandbox is not None or sample.files or sample.setup:
            return "its samples carry a sandbox, files or setup"
    solvers = list(task.solver) if isinstance(task.solver, Sequence) else [task.solver]
    names = [registry_info(s).name if is_registry_object(s) else repr(s) for s in solvers]
    if len(names) != 1 or names[0] not in SINGLE_TURN_SOLVERS:
        return f"solver {' + '.join(names)} is not a single generate"
    return None


def find_variant(store: Any, sample: Mapping[str, Any]) -> Variant:
    """The variant a stored sample ran.

    Looked up, in order: the run's `variants` table (suite, id, hash); the
    suite's data files by id and hash; by id with the same prompt text, then by
    prompt text alone (ingested transcripts, whose hash is the prompt's).

    Args:
        store: The run's open `Store`.
        sample: The sample row (suite, variant_id, variant_hash, prompt).

    Returns:
        The variant.

    Raises:
        ScorerError: No variant matches.
    """
    from cotscope.suites import Variant, get_suite

    suite, vid, vhash = sample["suite"], sample["variant_id"], sample["variant_hash"]
    stored = stored_variant(store, suite, vid, vhash)
    if stored is not None:
        variant = Variant(
            suite=suite, id=vid, family=stored.family, version=stored.version or 1,
            text=stored.text, scoring=stored.scoring, source_file=stored.source_file or "",
        )  # fmt: skip
        if variant.hash == vhash:
            return variant
    try:
        known = get_suite(suite).variants()
    except KeyError:
        raise ScorerError(
            f"suite {suite!r} is not a cotscope suite, so its continuations have no scorer; "
            "ingest the transcripts with --suite/variant of a cotscope suite"
        ) from None
    prompt = sample.get("prompt") or ""
    found = (
        [v for v in known if v.id == vid and v.hash == vhash]
        or [v for v in known if v.id == vid and v.text == prompt]
        or [v for v in known if v.text == prompt]
    )
    if found:
        return found[0]
    raise ScorerError(
        f"no variant of suite {suite!r} matches sample {sample.get('sample_uid', '?')} "
        f"(variant {vid}, hash {vhash[:12]}, nor its prompt text)"
    )
