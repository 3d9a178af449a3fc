"""Validating a grader against labelled excerpts: precision, recall, F1 and the confusion matrix.

The labelled file is JSON Lines, one excerpt per line (see docs/graders.md):

    {"id": "gs-pos-01", "text": "<reasoning excerpt>", "context": "<optional prompt>",
     "labels": {"grader-seeking": true, "metagaming": true, "eval-awareness": false},
     "kind": "positive", "source": "hand-written", "split": "dev", "note": "..."}

An excerpt counts for a rubric only when `labels` has that rubric's name. Judge
failures are reported beside the matrix and left out of it, never scored as "no".
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, Field

from cotscope.stats import wilson_interval

from ._judge import JudgeSpec, Transcript, judge_transcript
from ._lexical import LexicalDetector
from ._rubric import Rubric

BUILTIN_LABELS = "labels/validation.jsonl"
"""The shipped labelled set, inside the package."""


class LabelledExcerpt(BaseModel):
    """One labelled reasoning excerpt."""

    id: str
    """Unique id within the file."""
    text: str
    """The reasoning excerpt graded."""
    labels: dict[str, bool]
    """Ground truth per rubric name (true: the rubric must flag it)."""
    context: str | None = None
    """The scenario prompt, when known (shown to judges)."""
    kind: str = ""
    """`positive`, `negative` or `hard-negative` (a negative built to look positive)."""
    source: str = "hand-written"
    """`hand-written`, or repository@commit:path and location of a real excerpt."""
    split: str = "dev"
    """`dev` (used while writing lexicons) or `heldout` (written after they were frozen)."""
    note: str = ""
    """Why it is labelled so."""
    extra: dict[str, str] = Field(default_factory=dict)
    """Anything else."""


def load_labels(path: str | Path | None = None) -> list[LabelledExcerpt]:
    """Read a labelled file (the shipped set when `path` is None).

    Args:
        path: A JSON Lines file.

    Returns:
        The excerpts.

    Raises:
        ValueError: With the line number, when a line is malformed or an id repeats.
    """
    if path is None:
        text = files("cotscope.graders").joinpath(BUILTIN_LABELS).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    out: list[LabelledExcerpt] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = LabelledExcerpt.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValueError) as ex:
            raise ValueError(f"line {n}: {ex}") from None
        if item.id in seen:
            raise ValueError(f"line {n}: duplicate id {item.id!r}")
        seen.add(item.id)
        out.append(item)
    return out


@dataclass
class Validation:
    """A grader's agreement with the labels."""

    grader: str
    """Rubric name."""
    judge: str
    """Judge key or lexical detector key."""
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    """Excerpts the grader failed on, by outcome (outside the matrix)."""
    errors: list[dict[str, object]] = field(default_factory=list)
    """Misclassified excerpts: `{id, truth, predicted}`."""
    f1_interval: tuple[float, float] | None = None
    """Percentile bootstrap interval of F1 over excerpts."""

    @property
    def n(self) -> int:
        """Excerpts in the matrix."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        """Tp / (tp + fp)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """Tp / (tp + fn)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall."""
        return _f1(self.tp, self.fp, self.fn)

    @property
    def precision_interval(self) -> tuple[float, float] | None:
        """Wilson interval of precision."""
        return wilson_interval(self.tp, self.tp + self.fp)

    @property
    def recall_interval(self) -> tuple[float, float] | None:
        """Wilson interval of recall."""
        return wilson_interval(self.tp, self.tp + self.fn)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {
            "grader": self.grader, "judge": self.judge, "n": self.n,
            "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
            "precision": self.precision, "precision_ci": self.precision_interval,
            "recall": self.recall, "recall_ci": self.recall_interval,
            "f1": self.f1, "f1_ci": self.f1_interval, "failures": self.failures,
            "errors": self.errors,
        }  # fmt: skip


def _f1(tp: int, fp: int, fn: int) -> float | None:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None


def _bootstrap_f1(pairs: Sequence[tuple[bool, bool]], resamples: int = 2000, seed: int = 0) -> (
    tuple[float, float] | None
):  # fmt: skip
    if not pairs:
        return None
    rng = random.Random(seed)
    values = []
    for _ in range(resamples):
        tp = fp = fn = 0
        for _ in range(len(pairs)):
            truth, pred = pairs[rng.randrange(len(pairs))]
            tp += truth and pred
            fp += pred and not truth
            fn += truth and not pred
        f1 = _f1(tp, fp, fn)
        if f1 is not None:
            values.append(f1)
    if not values:
        return None
    values.sort()
    return values[int(0.025 * len(values))], values[min(len(values) - 1, int(0.975 * len(values)))]


def _score(
    grader: str, judge: str, truth_pred: Sequence[tuple[LabelledExcerpt, bool | None, str]]
) -> Validation:
    v = Validation(grader, judge)
    pairs = []
    for item, pred, outcome in truth_pred:
        truth = item.labels[grader]
        if pred is None:
            v.failures[outcome] = v.failures.get(outcome, 0) + 1
            continue
        pairs.append((truth, pred))
        if truth and pred:
            v.tp += 1
        elif pred:
            v.fp += 1
        elif truth:
            v.fn += 1
        else:
            v.tn += 1
        if truth != pred:
            v.errors.append({"id": item.id, "truth": truth, "predicted": pred})
    v.f1_interval = _bootstrap_f1(pairs)
    return v


def validate_lexical(
    detector: LexicalDetector, items: list[LabelledExcerpt], split: str | None = None
) -> Validation:
    """Score a lexical detector on the excerpts labelled for its property.

    Args:
        detector: The detector (its name is the rubric name).
        items: Labelled excerpts.
        split: Only excerpts of this split (`dev`, `heldout`), or all.

    Returns:
        The validation.
    """
    chosen = [i for i in items if detector.name in i.labels and split in (None, i.split)]
    preds = [(i, detector.flags(i.text), "graded") for i in chosen]
    return _score(detector.name, detector.key, preds)


def validate_judge(
    rubric: Rubric, spec: JudgeSpec, items: list[LabelledExcerpt], split: str | None = None
) -> Validation:
    """Score a judge on the excerpts labelled for the rubric (one call per chunk).

    Args:
        rubric: A label rubric.
        spec: The judge.
        items: Labelled excerpts.
        split: Only excerpts of this split, or all.

    Returns:
        The validation; judge failures are counted in `failures`.
    """
    chosen = [i for i in items if rubric.name in i.labels and split in (None, i.split)]
    model = spec.get_model()
    gate = asyncio.Semaphore(spec.max_connections)

    async def one(item: LabelledExcerpt) -> tuple[LabelledExcerpt, bool | None, str]:
        async with gate:
            t = Transcript(item.id, item.context or "", item.text)
            g = await judge_transcript(model, spec, rubric, t)
        return item, g.positive if g.outcome == "graded" else None, g.outcome

    async def main() -> list[tuple[LabelledExcerpt, bool | None, str]]:
        return list(await asyncio.gather(*(one(i) for i in chosen)))

    return _score(rubric.name, spec.key, asyncio.run(main()))
