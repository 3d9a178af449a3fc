"""Inspect AI entry point: registers the `local` model provider and cotscope's tasks.

Inspect imports this module through the `inspect_ai` entry point in pyproject.toml,
so `inspect eval cotscope/reward_hints --model local/smollm2` works with no setup.
"""

from cotscope.models._provider import local
from cotscope.suites.reward_hints._task import reward_hints

__all__ = ["local", "reward_hints"]
