"""Dense training logs: checkpoints grouped into bins of consecutive steps.

A log with thousands of checkpoints and a few CoTs each is analysed on about
`CHECKPOINT_BINS` bins of about equal n instead (`checkpoint_bins`); `rebinned`
relabels the rows read from the store with their bin, so the counting and the
tests treat each bin as one checkpoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..stats import equal_n_ends
from ..store import Store, checkpoints

DENSE_CHECKPOINTS = 60
"""Beyond this many checkpoints with steps, the analysis runs on bins of steps."""
CHECKPOINT_BINS = 40
"""Bins of consecutive steps of about equal n a dense log is grouped into."""


def checkpoint_bins(store: Store) -> dict[str, tuple[str, int, int]] | None:
    """Model id → (bin id, first step, bin index) for a dense training log, else None.

    Per-checkpoint word counts of thousands of checkpoints with a few CoTs each cost
    memory in proportion to checkpoints × vocabulary and test nothing; bins of about
    equal n (steps pooled across training runs, as the analysis orders checkpoints by
    step) keep both bounded.
    """
    # Checkpoints by model id over every run and training run, as the analysis counts them.
    first_step: dict[str, int | None] = {}
    samples: dict[str, int] = defaultdict(int)
    for c in checkpoints(store):
        steps = [s for s in (first_step.get(c.model_id), c.step) if s is not None]
        first_step[c.model_id] = min(steps) if steps else None
        samples[c.model_id] += c.samples
    if len(first_step) <= DENSE_CHECKPOINTS or None in first_step.values():
        return None
    rows = {model_id: int(step) for model_id, step in first_step.items() if step is not None}
    per_step: dict[int, int] = defaultdict(int)
    for model_id, step in rows.items():
        per_step[step] += samples[model_id]
    steps = sorted(per_step)
    ends = equal_n_ends(np.array([per_step[s] for s in steps]), CHECKPOINT_BINS)
    of_step: dict[int, tuple[str, int, int]] = {}
    for index, (start, end) in enumerate(zip([0, *ends[:-1]], ends, strict=True)):
        members = steps[start:end]
        name = f"steps {members[0]}–{members[-1]}"
        of_step.update({s: (name, members[0], index) for s in members})
    return {model_id: of_step[step] for model_id, step in rows.items()}


def rebinned(
    rows: Iterator[dict[str, Any]], bins: dict[str, tuple[str, int, int]]
) -> Iterator[dict[str, Any]]:
    """The rows with each checkpoint's model id, step and order replaced by its bin's."""
    for row in rows:
        model_id, step, order = bins[row["model_id"]]
        row["model_id"], row["step"], row["model_order"] = model_id, step, order
        yield row
