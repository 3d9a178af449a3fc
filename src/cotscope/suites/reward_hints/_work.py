"""Work items for the reward-hint task: which samples a run asks for (pure, no Inspect).

Seeds come from `cotscope.suites.derive_seed`, the one function the sweep runner
uses too, so `inspect eval cotscope/reward_hints -T seed=S` and a sweep with
seed S sample every (variant, epoch) identically.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._suite import WorkItem, derive_seed
from .._variant import Variant

__all__ = ["derive_seed", "work_items"]


def work_items(variants: Sequence[Variant], epochs: int, seed: int | None) -> list[WorkItem]:
    """Every (variant, epoch) pair, variant by variant, with derived seeds.

    Args:
        variants: The selected variants.
        epochs: Repetitions per variant (at least 1).
        seed: The run seed; None leaves sampling unseeded.

    Returns:
        The work items in variant order, epochs 0..epochs-1 within each.

    Raises:
        ValueError: if epochs is below 1.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    return [
        WorkItem(v, e, None if seed is None else derive_seed(seed, v.id, e))
        for v in variants
        for e in range(epochs)
    ]
