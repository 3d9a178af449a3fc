"""The rubric-elicitation suite as an Inspect task: one sample per work item.

`build_task` is what the sweep runner calls; `rubric_elicitation` is the same task
for `inspect eval cotscope/rubric_elicitation`. Samples carry the metadata the
runner stores (suite, variant, hash, epoch, seed) and generate once with their
own seed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample

from .._suite import WorkItem, get_suite
from ..reward_hints._task import seeded_generate
from ..reward_hints._work import work_items
from ._scorer import rubric_focus_scorer
from ._variants import SUITE


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly the given work items.

    Args:
        items: Work items with unique sample ids.

    Returns:
        The task: the prompt sent byte for byte, scored by the lexical classifier.

    Raises:
        ValueError: if two items share a sample id.
    """
    dupes = [sid for sid, n in Counter(i.sample_id for i in items).items() if n > 1]
    if dupes:
        raise ValueError(f"duplicate work items: {', '.join(sorted(dupes))}")
    samples = [
        Sample(
            id=item.sample_id,
            input=item.variant.text,
            metadata={
                "suite": item.variant.suite,
                "variant_id": item.variant.id,
                "variant_family": item.variant.family,
                "variant_hash": item.variant.hash,
                "epoch": item.epoch,
                "seed": item.seed,
                "scoring": item.variant.scoring,
            },
        )
        for item in items
    ]
    return Task(
        dataset=MemoryDataset(samples, name=SUITE),
        solver=seeded_generate(),
        scorer=rubric_focus_scorer(),
        epochs=Epochs(1, "mode"),
        name=SUITE,
        metadata={"suite": SUITE},
    )


@task
def rubric_elicitation(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """Rubric elicitation: does the model describe alignment tests as tests of capability?

    Args:
        variants: `all`, or variant ids and/or family names, comma-separated or a list.
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    parts = variants.split(",") if isinstance(variants, str) else [str(v) for v in variants]
    selectors = [s.strip() for s in parts if s.strip()] or ["all"]
    chosen = get_suite(SUITE).select(selectors)
    return build_task(work_items(chosen, int(epochs), int(seed)))
