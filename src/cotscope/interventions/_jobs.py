"""One continuation to generate (a job), its seed, and how its text is read back.

`_run` plans the jobs and `_generate` runs them, batch by batch.

Seeds are derived from (seed, edit, sample, site, resample, try) and *not* from
the arm, so the edited, base and control continuations of one resample index
share a seed (common random numbers): the arms then differ only by the edit,
and their rows pair for a paired comparison.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cotscope.text import split_reasoning

from ._edits import ArmPrefix, EditPlan
from ._replay import Replay


@dataclass(frozen=True)
class Job:
    """One continuation to generate: an arm of a sample's edit, at one resample index."""

    sample: dict[str, Any]
    plan: EditPlan
    arm: ArmPrefix
    replay: Replay
    resample: int
    row_id: str


def continuation_seed(base: int, key: str, uid: str, site: int, resample: int, attempt: int) -> int:
    """The sampling seed of one try of a continuation (the same for every arm)."""
    text = json.dumps([base, key, uid, site, resample, attempt])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") & 0x7FFFFFFF


def read_continuation(text: str, think: tuple[str, str]) -> tuple[str, str]:
    """Split a continuation into the rest of the reasoning and the visible answer.

    The continuation starts inside the reasoning (its prefix opened it), so the
    reasoning runs to the first closing marker: `cotscope.text.split_reasoning` with
    `opened=True` (markers match case-insensitively; a later reasoning block is not
    part of the answer).

    Args:
        text: Generated text following the reasoning prefix.
        think: The model's (opening, closing) reasoning markers.

    Returns:
        (reasoning continuation, visible answer): the reasoning as generated (it
        extends the prefix), the answer stripped and '' when the reasoning never closed.
    """
    if not think[0] or not think[1]:  # a model without markers: all of it is the answer
        return "", text.strip()
    split = split_reasoning(text, [think], opened=True)
    start, end = split.block_spans[0]
    return text[start:end], split.visible
