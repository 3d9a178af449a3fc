"""Inspect `.eval` and `.json` logs, streamed sample by sample.

Reasoning comes from the assistant messages' reasoning content: the readable text when
the provider gave it (kind `text`), the summary when it gave only a summary (`summary`),
else `redacted`. Samples written by a cotscope suite keep their suite, variant id and
family (from the sample metadata); other tasks use the task name as suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import RecordError
from ._messages import normalize_messages
from ._sources import RawRecord

if TYPE_CHECKING:
    from inspect_ai.log import EvalSample, EvalSpec


def inspect_records(path: Path) -> Iterator[RawRecord]:
    """Records of an Inspect log, one per sample and epoch.

    Raises:
        RecordError: when the file is not a readable Inspect log.
    """
    from inspect_ai.log import read_eval_log, read_eval_log_samples

    try:
        header = read_eval_log(str(path), header_only=True)
    except Exception as ex:  # Inspect raises many kinds for a corrupt log
        raise RecordError(f"not a readable Inspect log: {_first_line(ex)}") from ex
    samples: Iterator[EvalSample]
    if path.suffix.lower() == ".eval":
        samples = read_eval_log_samples(str(path), all_samples_required=False)
    else:  # Inspect would load a whole .json log; stream its samples instead
        samples = _json_samples(path)
    index = 0
    while True:
        try:
            sample = next(samples)
        except StopIteration:
            return
        except Exception as ex:
            msg = f"cannot read sample {index + 1} of the log: {_first_line(ex)}"
            yield RawRecord(index + 1, problem=RecordError(msg))
            return
        index += 1
        try:
            yield RawRecord(index, data=sample_record(sample, header.eval))
        except RecordError as ex:
            yield RawRecord(index, problem=ex)


def _json_samples(path: Path) -> Iterator[EvalSample]:
    import ijson  # type: ignore[import-untyped]
    from inspect_ai.log import EvalSample

    with path.open("rb") as f:
        for item in ijson.items(f, "samples.item", use_float=True):
            yield EvalSample.model_validate(item)


def _first_line(ex: BaseException) -> str:
    text = str(ex).strip()
    return text.splitlines()[0] if text else type(ex).__name__


def _task_name(task: str) -> str:
    return task.split("/", 1)[1] if task.startswith("cotscope/") else task


def _step(*sources: dict[str, Any] | None) -> int | None:
    for source in sources:
        value = (source or {}).get("step")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _outcome(value: Any) -> str | bool | None:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def sample_record(sample: EvalSample, spec: EvalSpec) -> dict[str, Any]:
    """One Inspect sample as a dict in the transcript schema's shape."""
    meta = dict(sample.metadata or {})
    messages = normalize_messages([m.model_dump(exclude_none=True) for m in sample.messages])
    scores = sample.scores or {}
    first = next(iter(scores.values()), None)
    labels: dict[str, Any] = {}
    if first is not None and isinstance(first.metadata, dict):
        labels.update(first.metadata)
    if scores:
        labels["scores"] = {name: score.value for name, score in scores.items()}
    if sample.target:
        labels.setdefault("target", sample.target)
    usage = list((sample.model_usage or {}).values())
    reasoning_tokens = [u.reasoning_tokens for u in usage if u.reasoning_tokens]
    record: dict[str, Any] = {
        "id": f"{spec.eval_id}/{sample.id}/{sample.epoch}",
        "model": spec.model,
        "step": _step(meta, spec.metadata),
        "suite": str(meta.get("suite") or _task_name(spec.task)),
        "variant": meta.get("variant_id"),
        "variant_family": meta.get("variant_family"),
        "prompt": sample.input if isinstance(sample.input, str) else None,
        "answer": sample.output.completion if sample.output.choices else None,
        "messages": messages,
        "outcome": _outcome(first.value) if first is not None else None,
        "error": sample.error.message if sample.error else None,
        "labels": labels,
        "input_tokens": sum(u.input_tokens for u in usage) if usage else None,
        "output_tokens": sum(u.output_tokens for u in usage) if usage else None,
        "reasoning_tokens": sum(reasoning_tokens) if reasoning_tokens else None,
        "metadata": {
            **{k: v for k, v in meta.items() if k not in ("suite", "variant_id", "variant_family")},
            "inspect": {
                "task": spec.task,
                "eval_id": spec.eval_id,
                "run_id": spec.run_id,
                "sample_id": sample.id,
                "epoch": sample.epoch,
                "total_time": sample.total_time,
            },
        },
    }
    return record
