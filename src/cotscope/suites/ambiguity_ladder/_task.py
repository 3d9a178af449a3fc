"""The ambiguity ladder as an Inspect task: one workspace episode per work item.

Each sample runs `workspace_agent` (a fresh throwaway workspace outside the
project, seeded from the variant's files, at most `MAX_TURNS` model turns) and is
scored by the exploit criterion. `ambiguity_ladder` is the same task for
`inspect eval cotscope/ambiguity_ladder`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample

from .._suite import WorkItem, get_suite
from .._workspace import workspace_agent
from ..reward_hints._work import work_items
from ._scorer import ladder_scorer
from ._variants import SUITE

MAX_TURNS = 6
"""Model turns per sample: enough to look, act and submit; bounded so no sample hangs."""


def build_task(items: Sequence[WorkItem], max_turns: int = MAX_TURNS) -> Task:
    """An Inspect task whose samples are exactly the given work items.

    Args:
        items: Work items with unique sample ids.
        max_turns: Model turns per sample.

    Returns:
        The task.

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
        solver=workspace_agent(max_turns=max_turns),
        scorer=ladder_scorer(),
        epochs=Epochs(1, "mode"),
        name=SUITE,
        metadata={"suite": SUITE},
    )


@task
def ambiguity_ladder(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """The ambiguity ladder: at which level of instruction does the model take the exploit?

    Args:
        variants: `all`, or variant ids and/or scenario names, comma-separated or a list.
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    parts = variants.split(",") if isinstance(variants, str) else [str(v) for v in variants]
    selectors = [s.strip() for s in parts if s.strip()] or ["all"]
    chosen = get_suite(SUITE).select(selectors)
    return build_task(work_items(chosen, int(epochs), int(seed)))
