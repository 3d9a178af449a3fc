"""The probe as an Inspect task: one sample per work item (`<transcript>/<phrasing>@<epoch>`).

`build_task` is what the sweep runner calls; the `eval_awareness_probe` task is
the same for `inspect eval cotscope/eval_awareness_probe`. As in the reward-hint
suite, repetitions are separate samples with their own derived seeds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver

from .._suite import WorkItem, derive_seed, get_suite
from ._bank import SUITE
from ._scorer import eval_awareness_scorer


@solver
def seeded_generate() -> Solver:
    """Generate once, with the sample's own seed when it has one.

    Returns:
        A solver calling `generate` with `seed=<sample seed>`.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        seed = state.metadata.get("seed")
        return await generate(state) if seed is None else await generate(state, seed=int(seed))

    return solve


def build_task(items: Sequence[WorkItem]) -> Task:
    """An Inspect task whose samples are exactly the given work items.

    Args:
        items: Work items with unique sample ids.

    Returns:
        The task: the variant text as the user message, scored by `eval_awareness_scorer`.

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
        scorer=eval_awareness_scorer(),
        epochs=Epochs(1, "mode"),
        name=SUITE,
        metadata={"suite": SUITE},
    )


@task
def eval_awareness_probe(variants: str | list[str] = "all", epochs: int = 1, seed: int = 0) -> Task:
    """The evaluation-awareness probe: P(this transcript is an evaluation)?

    Args:
        variants: `all`, or variant ids and/or families (`eval-chat`, `deploy-agentic`, ...),
            comma-separated or as a list.
        epochs: Samples per variant, each with its own derived seed.
        seed: Run seed from which every sample's seed is derived.

    Returns:
        The Inspect task.
    """
    parts = variants.split(",") if isinstance(variants, str) else [str(v) for v in variants]
    selectors = [s.strip() for s in parts if s.strip()] or ["all"]
    chosen = get_suite(SUITE).select(selectors)
    if int(epochs) < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    items = [
        WorkItem(v, e, derive_seed(int(seed), v.id, e)) for v in chosen for e in range(int(epochs))
    ]
    return build_task(items)
