"""The leaky-grader model organism: an environment whose grader leaks, training, checkpoints.

`cotscope organism train` runs GRPO (TRL) with a LoRA adapter (PEFT) on the
bundled model in an environment whose prompts leak the grader that scores them,
with the reward equal to that grader's verdict. Adapters saved along the way are
the checkpoints a sweep compares. Importing this package never imports torch or
TRL; only `train` does.
"""

from ._card import write_card
from ._config import TrainConfig
from ._env import (
    EnvSpec,
    TrainingPrompt,
    all_prompts,
    env_sha256,
    load_env,
    sample_prompts,
)
from ._reward import answer_parity, grader_reward, grader_verdict
from ._shipped import OrganismNotFoundError, shipped_organism_dir
from ._train import train

__all__ = [
    "EnvSpec",
    "OrganismNotFoundError",
    "TrainConfig",
    "TrainingPrompt",
    "all_prompts",
    "answer_parity",
    "env_sha256",
    "grader_reward",
    "grader_verdict",
    "load_env",
    "sample_prompts",
    "shipped_organism_dir",
    "train",
    "write_card",
]
