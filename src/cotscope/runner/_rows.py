"""Turn Inspect's evaluated samples into store rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..store import SampleRow
from ..sweeps import ModelEntry

if TYPE_CHECKING:
    from inspect_ai.log import EvalSample
    from inspect_ai.model import ModelOutput


def reasoning_of(output: ModelOutput) -> tuple[str | None, str | None]:
    """Reasoning text of a model output and where it came from.

    Returns:
        (text, kind) with kind `text` (readable reasoning), `summary` (the provider
        gave only a summary), `redacted` (encrypted/hidden), or (None, None).
    """
    from inspect_ai.model import ContentReasoning

    if not output.choices:
        return None, None
    content = output.choices[0].message.content
    if isinstance(content, str):
        return None, None
    blocks = [c for c in content if isinstance(c, ContentReasoning)]
    if not blocks:
        return None, None
    texts, kinds = [], set()
    for block in blocks:
        if block.redacted:
            kinds.add("redacted")
            if block.summary:
                texts.append(block.summary)
        elif block.reasoning:
            kinds.add("text")
            texts.append(block.reasoning)
        elif block.summary:
            kinds.add("summary")
            texts.append(block.summary)
    kind = "text" if "text" in kinds else ("summary" if "summary" in kinds else "redacted")
    return ("\n\n".join(texts) if texts else None), kind


def _usage(sample: EvalSample) -> tuple[int | None, int | None, int | None]:
    if not sample.model_usage:
        return None, None, None
    inp = sum(u.input_tokens for u in sample.model_usage.values())
    out = sum(u.output_tokens for u in sample.model_usage.values())
    rea = [u.reasoning_tokens for u in sample.model_usage.values() if u.reasoning_tokens]
    return inp, out, (sum(rea) if rea else None)


def sample_to_row(
    sample: EvalSample, *, run: str, model: ModelEntry, model_order: int, log_file: str | None
) -> SampleRow:
    """Convert one evaluated sample (from a cotscope suite task) to a store row."""
    meta = sample.metadata or {}
    score = next(iter(sample.scores.values()), None) if sample.scores else None
    error = sample.error.message if sample.error else None
    answer = ""
    reasoning = kind = None
    extra: dict[str, Any] = {}
    if sample.output is not None and sample.output.choices:
        answer = sample.output.completion
        reasoning, kind = reasoning_of(sample.output)
        if sample.output.metadata:
            extra.update(sample.output.metadata)  # the provider's serving stack, seed, ...
        extra["stop_reason"] = sample.output.stop_reason
    if error is not None:
        outcome, parsed = "error", None
    elif score is None:
        outcome, parsed = "error", None
        error = "sample has no score"
    else:
        outcome = str(score.value)
        parsed = None if score.answer is None else str(score.answer)
        if score.explanation:
            extra["scorer_explanation"] = score.explanation
    labels = dict(score.metadata) if score is not None and score.metadata else {}
    input_tokens, output_tokens, reasoning_tokens = _usage(sample)
    prompt = sample.input if isinstance(sample.input, str) else str(meta.get("prompt", ""))
    return SampleRow(
        run=run,
        model_id=model.id,
        model=model.model,
        model_args=model.model_args,
        model_order=model_order,
        step=model.step,
        label=model.label,
        run_id=model.run,
        phase=model.phase,
        suite=str(meta["suite"]),
        variant_id=str(meta["variant_id"]),
        variant_family=str(meta["variant_family"]),
        variant_hash=str(meta["variant_hash"]),
        epoch=int(meta["epoch"]),
        seed=meta.get("seed"),
        prompt=prompt,
        reasoning=reasoning,
        reasoning_kind=kind,
        answer=answer,
        parsed_answer=parsed,
        outcome=outcome,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning_tokens,
        latency_s=sample.total_time,
        error=error,
        labels=labels,
        metadata=extra,
        source="sweep",
        log_file=log_file,
    )
