"""The LLM judge: any Inspect model applies a rubric to one transcript, chunk by chunk.

Reasoning longer than the rubric's `chunk_chars` is split into consecutive chunks
(at paragraph or sentence breaks where possible) and every chunk is graded, so no
text is silently dropped. A label rubric flags the transcript when any chunk is
positive; otherwise a failed chunk makes the whole grade that failure, because a
"no" would be a claim about text the judge never read.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._parse import ParsedVerdict, locate_quote, parse_verdict
from ._rubric import Rubric

if TYPE_CHECKING:
    from inspect_ai.model import Model

PROMPT_CONTEXT_CHARS = 4000
"""Characters of the scenario prompt shown to the judge; a longer prompt is cut with a marker."""


@dataclass(frozen=True)
class JudgeSpec:
    """A judge model and its generation settings."""

    model: str
    """Inspect model string, e.g. `anthropic/claude-sonnet-4-5` or `local/smollm2`."""
    temperature: float = 0.0
    """Sampling temperature of the judge."""
    max_tokens: int = 1024
    """Output budget per chunk."""
    max_connections: int = 8
    """Concurrent judge calls."""
    model_args: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """Extra `get_model` arguments (base_url, provider args); not part of the judge key."""
    batch: bool | int | None = field(default=None, compare=False, hash=False)
    """Inspect's batch mode (provider batch APIs): True, or a batch size; None or False
    calls the API per request. Not part of the judge key: the same judge either way."""

    def get_model(self) -> Model:
        """The Inspect model for this judge."""
        from inspect_ai.model import GenerateConfig, get_model

        # In batch mode Inspect's own ceiling applies (it queues requests into batches);
        # an explicit max_connections would cap every batch at that many requests.
        config = GenerateConfig(
            max_connections=None if self.batch else self.max_connections, batch=self.batch
        )
        return get_model(self.model, config=config, **self.model_args)

    @property
    def key(self) -> str:
        """Judge identity stored with grades: the model plus a hash of its settings."""
        config = json.dumps({"temperature": self.temperature, "max_tokens": self.max_tokens})
        return f"{self.model}#{hashlib.sha256(config.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Transcript:
    """What a judge reads for one sample."""

    sample_uid: str
    """The sample's key."""
    prompt: str
    """The scenario prompt."""
    reasoning: str
    """The text being graded: the chain of thought, or the answer for an answer rubric."""
    answer: str = ""
    """The visible answer."""

    @property
    def hash(self) -> str:
        """SHA-256 of prompt, reasoning and answer: the cache key's transcript part."""
        data = json.dumps([self.prompt, self.reasoning, self.answer], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


def chunk_spans(text: str, size: int) -> list[tuple[int, int]]:
    """Split text into consecutive spans of at most `size` characters covering all of it.

    Args:
        text: The text.
        size: Maximum characters per chunk.

    Returns:
        (start, end) spans; one span for short or empty text.
    """
    if len(text) <= size:
        return [(0, len(text))]
    spans = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            window = text[start:end]
            for sep in ("\n\n", "\n", ". ", " "):
                cut = window.rfind(sep)
                if cut > size // 2:
                    end = start + cut + len(sep)
                    break
        spans.append((start, end))
        start = end
    return spans


def _system_prompt(rubric: Rubric) -> str:
    lines = [rubric.guidance, "", f"Question: {rubric.question}"]
    if rubric.definitions:
        lines += ["", "Definitions:"] + [f"- {k}: {v}" for k, v in rubric.definitions.items()]
    if rubric.positive_examples:
        lines += ["", "Examples to flag:"] + [f"- {e}" for e in rubric.positive_examples]
    if rubric.negative_examples:
        lines += ["", "Examples not to flag:"] + [f"- {e}" for e in rubric.negative_examples]
    if rubric.do_not_flag:
        lines += ["", "Never flag:"] + [f"- {e}" for e in rubric.do_not_flag]
    if rubric.kind == "label":
        shape = (
            '{"label": one of ' + json.dumps(rubric.labels) + ', "justification": "<one or two '
            'sentences>", "evidence": ["<exact quote from the ' + rubric.target + '>", ...]}'
        )
    else:
        scales = ", ".join(f'"{k}": <integer {s.min}-{s.max}>' for k, s in rubric.scales.items())
        shape = (
            '{"scores": {' + scales + '}, "justification": "<one or two sentences>", '
            '"evidence": ["<exact quote from the ' + rubric.target + '>", ...]}'
        )
    lines += [
        "",
        "Reply with one JSON object and nothing else, of this shape:",
        shape,
        f"Evidence quotes must be copied character for character from the {rubric.target}; "
        "give an empty list when there is nothing to quote.",
    ]
    return "\n".join(lines)


def _user_prompt(
    t: Transcript, start: int, end: int, index: int, total: int, target: str = "reasoning"
) -> str:
    prompt = t.prompt
    if len(prompt) > PROMPT_CONTEXT_CHARS:
        omitted = len(prompt) - PROMPT_CONTEXT_CHARS
        prompt = prompt[:PROMPT_CONTEXT_CHARS] + f"\n[... {omitted} more characters of the prompt]"
    part = f" (part {index + 1} of {total}, characters {start}-{end})" if total > 1 else ""
    graded = f"<{target}{part}>\n{t.reasoning[start:end]}\n</{target}>"
    # An answer rubric grades the answer itself; there is no separate final answer to show.
    final = ""
    if target == "reasoning":
        final = f"\n\n<final_answer>\n{t.answer[:2000]}\n</final_answer>"
    return f"<scenario_prompt>\n{prompt}\n</scenario_prompt>\n\n{graded}{final}"


@dataclass
class ChunkResult:
    """One chunk's verdict with its usage and raw output."""

    start: int
    end: int
    verdict: ParsedVerdict
    raw: str | None
    input_tokens: int
    output_tokens: int


async def _grade_chunk(
    model: Model, spec: JudgeSpec, rubric: Rubric, t: Transcript, span: tuple[int, int], i: int,
    total: int,
) -> ChunkResult:  # fmt: skip
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig

    messages: list[Any] = [
        ChatMessageSystem(content=_system_prompt(rubric)),
        ChatMessageUser(content=_user_prompt(t, span[0], span[1], i, total, rubric.target)),
    ]
    config = GenerateConfig(temperature=spec.temperature, max_tokens=spec.max_tokens)
    try:
        output = await model.generate(messages, config=config)
    except Exception as ex:  # a provider error is a failed grade, counted, not a crash
        text = f"{type(ex).__name__}: {ex}"
        outcome = "context-overflow" if _overflow(text) else "api-error"
        return ChunkResult(*span, ParsedVerdict(outcome, error=text[:500]), None, 0, 0)
    usage = output.usage
    tokens_in = usage.input_tokens if usage else 0
    tokens_out = usage.output_tokens if usage else 0
    if output.error:
        outcome = "context-overflow" if _overflow(output.error) else "api-error"
        verdict = ParsedVerdict(outcome, error=output.error[:500])
        return ChunkResult(*span, verdict, output.completion, tokens_in, tokens_out)
    stop = output.stop_reason if output.choices else "stop"
    verdict = parse_verdict(output.completion, rubric, stop)
    return ChunkResult(*span, verdict, output.completion, tokens_in, tokens_out)


def _overflow(message: str) -> bool:
    m = message.lower()
    return any(s in m for s in ("context length", "context window", "too long", "maximum context"))


@dataclass
class JudgeGrade:
    """A whole transcript's grade from one judge (before it becomes a GradeRow)."""

    outcome: str
    label: str | None
    positive: bool | None
    scores: dict[str, float]
    justification: str | None
    evidence: list[dict[str, Any]]
    unverified: int
    chunks: list[dict[str, Any]]
    error: str | None
    raw_output: str | None
    input_tokens: int
    output_tokens: int


def combine(rubric: Rubric, t: Transcript, results: list[ChunkResult]) -> JudgeGrade:
    """Combine chunk verdicts into one grade and verify every quote against the reasoning.

    Args:
        rubric: The rubric applied.
        t: The transcript graded.
        results: Verdicts in chunk order.

    Returns:
        The grade.
    """
    evidence: list[dict[str, Any]] = []
    for ci, r in enumerate(results):
        for quote in r.verdict.quotes:
            where = locate_quote(quote, t.reasoning[r.start : r.end])
            if where is None:
                where = locate_quote(quote, t.reasoning)
                located = where
            else:
                located = (where[0] + r.start, where[1] + r.start)
            evidence.append({
                "quote": quote, "verified": located is not None, "chunk": ci,
                "start": located[0] if located else None, "end": located[1] if located else None,
            })  # fmt: skip
    graded = [r for r in results if r.verdict.outcome == "graded"]
    failed = [r for r in results if r.verdict.outcome != "graded"]
    label: str | None = None
    positive: bool | None = None
    scores: dict[str, float] = {}
    outcome = "graded"
    if rubric.kind == "label":
        if any(r.verdict.label == rubric.positive for r in graded):
            label, positive = rubric.positive, True
        elif failed:
            outcome = failed[0].verdict.outcome
        else:
            label = Counter(r.verdict.label for r in graded).most_common(1)[0][0]
            positive = label == rubric.positive
    elif failed:
        outcome = failed[0].verdict.outcome
    else:
        for name in rubric.scales:
            scores[name] = sum(r.verdict.scores[name] for r in graded) / len(graded)
    chunks = [
        {"start": r.start, "end": r.end, "outcome": r.verdict.outcome, "label": r.verdict.label,
         "scores": r.verdict.scores, "error": r.verdict.error}
        for r in results
    ]  # fmt: skip
    justifications = [r.verdict.justification for r in graded if r.verdict.justification]
    return JudgeGrade(
        outcome=outcome,
        label=label,
        positive=positive,
        scores=scores,
        justification=" | ".join(justifications) or None,
        evidence=evidence,
        unverified=sum(not e["verified"] for e in evidence),
        chunks=chunks,
        error=failed[0].verdict.error if failed else None,
        raw_output=(failed[0].raw[:4000] if failed[0].raw else None) if failed else None,
        input_tokens=sum(r.input_tokens for r in results),
        output_tokens=sum(r.output_tokens for r in results),
    )


async def judge_transcript(
    model: Model, spec: JudgeSpec, rubric: Rubric, t: Transcript
) -> JudgeGrade:
    """Grade one transcript with one judge, every chunk of it.

    Args:
        model: The Inspect model (from `get_model(spec.model)`).
        spec: The judge's settings.
        rubric: The rubric.
        t: The transcript.

    Returns:
        The combined grade; failures are outcomes, never exceptions.
    """
    spans = chunk_spans(t.reasoning, rubric.chunk_chars)
    results = [
        await _grade_chunk(model, spec, rubric, t, span, i, len(spans))
        for i, span in enumerate(spans)
    ]
    return combine(rubric, t, results)
