"""A `UsageJudge` built on the grader framework: an LLM judge with the `term-reference` rubric.

For each sampled use it reads the sample's prompt, reasoning and answer from the
store, marks the use ⟦like this⟧ inside an excerpt of the reasoning around it, and
asks the judge (`cotscope.graders.judge_transcript`) whether that use refers to
something outside the scenario. A failed grade (refusal, unparseable output, API
error) is None: counted as failed, never as "inside".
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import TYPE_CHECKING

from ..store import SampleFilter, read_samples
from ._judge import Verdict
from ._models import KwicLine

if TYPE_CHECKING:
    from inspect_ai.model import Model

    from ..graders import JudgeSpec, Rubric
    from ..store import Store

RUBRIC_FILE = "term-reference.md"
"""The rubric, in `cotscope/terms/data/`."""
OPEN, CLOSE = "⟦", "⟧"


def load_term_rubric() -> Rubric:
    """The packaged `term-reference` rubric (its SHA-256 names it in results)."""
    from ..graders import load_rubric_file

    path = files("cotscope.terms").joinpath("data", RUBRIC_FILE)
    return load_rubric_file(str(path))


def _squash(text: str) -> str:
    return " ".join(text.split())


def locate(reasoning: str, line: KwicLine) -> tuple[int, int] | None:
    """Where in the reasoning the KWIC line's keyword sits (matched by its left context)."""
    first = None
    for match in re.finditer(re.escape(line.keyword), reasoning):
        start = match.start()
        first = first or (start, match.end())
        before = _squash(reasoning[max(0, start - 3 * len(line.left) - 10) : start] + "|")[:-1]
        if before.endswith(line.left):
            return start, match.end()
    return first


class RubricUsageJudge:
    """Judges uses of terms with an LLM and the `term-reference` rubric."""

    def __init__(
        self,
        spec: JudgeSpec,
        store: Store,
        rubric: Rubric | None = None,
        context_chars: int = 1500,
    ) -> None:
        """Create the judge.

        Args:
            spec: The judge model and its settings.
            store: The run's store, to read each use's prompt and reasoning.
            rubric: The rubric; the packaged `term-reference` when None.
            context_chars: Characters of reasoning shown on each side of the use.
        """
        self.spec = spec
        self.store = store
        self.rubric = rubric or load_term_rubric()
        self.context_chars = context_chars
        self._model: Model | None = None

    @property
    def name(self) -> str:
        """Judge model, rubric name, version and hash."""
        r = self.rubric
        return f"{self.spec.model} · rubric {r.name} v{r.version} ({r.short_hash})"

    async def __call__(self, term: str, line: KwicLine) -> Verdict | None:
        """Grade one use; None when the sample is missing or the judge failed."""
        from ..graders import Transcript, judge_transcript

        rows = read_samples(
            self.store,
            SampleFilter(sample_uids=(line.sample_uid,)),
            ("prompt", "reasoning", "answer"),
        )
        if not rows or not rows[0]["reasoning"]:
            return None
        reasoning: str = rows[0]["reasoning"]
        span = locate(reasoning, line)
        if span is None:
            return None
        start, end = span
        width = self.context_chars
        excerpt = (
            reasoning[max(0, start - width) : start]
            + OPEN + reasoning[start:end] + CLOSE
            + reasoning[end : end + width]
        )  # fmt: skip
        transcript = Transcript(
            sample_uid=line.sample_uid,
            prompt=rows[0]["prompt"] or "",
            reasoning=excerpt,
            answer=rows[0]["answer"] or "",
        )
        if self._model is None:
            self._model = self.spec.get_model()
        grade = await judge_transcript(self._model, self.spec, self.rubric, transcript)
        if grade.positive is None:
            return None
        return "outside" if grade.positive else "inside"
