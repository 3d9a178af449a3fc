"""What every TRL phase on this CPU shares: trainer settings and a scratch output folder."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def cpu_trainer_args(seed: int) -> dict[str, Any]:
    """Trainer arguments of a CPU phase that logs every step and saves nothing itself.

    TRL defaults to bf16 and to activation checkpointing: on CPU the first is
    unsupported, and for a 135M model the second only trades time for memory we do
    not need. Checkpoints are saved by our own step hooks, never by the trainer.
    """
    return {
        "bf16": False, "activation_checkpointing": False, "use_cpu": True,
        "seed": seed, "data_seed": seed, "gradient_accumulation_steps": 1,
        "logging_steps": 1, "save_strategy": "no", "report_to": "none",
        "disable_tqdm": True, "dataloader_num_workers": 0,
    }  # fmt: skip


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A temporary `output_dir` for a trainer, removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
