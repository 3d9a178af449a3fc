"""Model organisms: an environment whose grader leaks, training recipes, checkpoints.

Two recipes: `leaky-grader` (GRPO on answers alone) and `reasoning` (three phases:
a `<think>` cold start by SFT, capabilities RL, then two safety-training arms; see
`train_reasoning`).

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
from ._reasoning import RecipeMismatchError, train_reasoning
from ._reasoning_card import write_reasoning_card
from ._recipe import PenaltySettings, ReasoningRecipe, RlSettings, SftSettings
from ._reward import answer_parity, grader_reward, grader_verdict
from ._shipped import OrganismNotFoundError, shipped_organism_dir
from ._train import train

__all__ = [
    "EnvSpec",
    "OrganismNotFoundError",
    "PenaltySettings",
    "ReasoningRecipe",
    "RecipeMismatchError",
    "RlSettings",
    "SftSettings",
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
    "train_reasoning",
    "write_card",
    "write_reasoning_card",
]
