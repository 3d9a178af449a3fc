"""Score rubrics (illegibility 1–9, legibility and coverage 0–4) per checkpoint.

A CoT's score is the mean of its chunks' scores (see `_judge.combine`); a
checkpoint's score is the mean over its CoTs, with a percentile bootstrap interval
over CoTs. The distribution counts CoT scores rounded to the scale's integers.
Failed grades are counted per checkpoint and left out of the mean, never scored.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cotscope.stats import bootstrap_mean_interval
from cotscope.store import GradeFilter, SampleFilter, graded_samples, has_grades_table

if TYPE_CHECKING:
    from cotscope.store import Store


@dataclass
class ScoreCell:
    """One score rubric × scale × judge × checkpoint."""

    rubric: str
    rubric_version: int
    rubric_hash: str
    judge: str
    scale: str
    """Score scale (a rubric may have several)."""
    model_id: str
    step: int | None
    model_order: int
    values: list[float] = field(default_factory=list)
    """Score of every successfully graded CoT."""
    failures: dict[str, int] = field(default_factory=dict)
    """Failed grades by outcome (the whole grade failed; no scale was scored)."""

    @property
    def n(self) -> int:
        """CoTs with a score."""
        return len(self.values)

    @property
    def mean(self) -> float | None:
        """Mean score over CoTs."""
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """95% percentile bootstrap interval of the mean over CoTs."""
        return bootstrap_mean_interval(self.values) if self.values else None

    @property
    def distribution(self) -> dict[int, int]:
        """CoTs per rounded score (half up), in score order."""
        counts = Counter(int(v + 0.5) for v in self.values)
        return dict(sorted(counts.items()))


def _scores(value: Any) -> dict[str, float]:
    data = json.loads(value) if isinstance(value, str) else value or {}
    return {str(k): float(v) for k, v in data.items()}


def score_rates(store: Store, run: str | None = None) -> list[ScoreCell]:
    """Mean score per checkpoint for every score rubric, scale and judge.

    Args:
        store: The run's store (read-only is fine).
        run: Only this run.

    Returns:
        One cell per rubric hash × judge × scale × model, in model order.
    """
    if not has_grades_table(store):
        return []
    rows = [
        {**grade, **sample}
        for grade, sample in graded_samples(
            store,
            ("rubric", "rubric_version", "rubric_hash", "judge", "outcome", "label", "scores"),
            ("model_id", "step", "model_order"),
            SampleFilter(run=run or None),
            GradeFilter(method="judge"),
        )
    ]
    scales: dict[str, set[str]] = {}  # score rubric hash -> scales seen in graded rows
    for r in rows:
        if r["outcome"] == "graded" and r["label"] is None:
            scales.setdefault(r["rubric_hash"], set()).update(_scores(r["scores"]))
    cells: dict[tuple[str, str, str, str], ScoreCell] = {}
    for r in rows:
        for scale in sorted(scales.get(r["rubric_hash"], ())):
            key = (r["rubric_hash"], r["judge"], scale, r["model_id"])
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = ScoreCell(
                    r["rubric"], int(r["rubric_version"]), r["rubric_hash"], r["judge"], scale,
                    r["model_id"], r["step"], int(r["model_order"] or 0),
                )  # fmt: skip
            if r["outcome"] == "graded":
                value = _scores(r["scores"]).get(scale)
                if value is not None:
                    cell.values.append(value)
            elif r["outcome"] != "screened-out":
                cell.failures[r["outcome"]] = cell.failures.get(r["outcome"], 0) + 1
    return sorted(
        cells.values(), key=lambda c: (c.rubric, c.judge, c.scale, c.model_order, c.model_id)
    )
