"""Inspect AI entry point: registers the `local` model provider and cotscope's tasks.

Inspect imports this module through the `inspect_ai` entry point in pyproject.toml,
so `inspect eval cotscope/reward_hints --model local/smollm2` works with no setup.
Every installed suite (entry-point group `cotscope.suites`) whose package has a
`_task` module gets its `@task` registered this way (`cotscope/<suite>`).
"""

import importlib
import importlib.util

from cotscope.models._provider import local
from cotscope.suites._suite import suite_packages

for _package in suite_packages():
    if importlib.util.find_spec(f"{_package}._task") is not None:
        importlib.import_module(f"{_package}._task")

__all__ = ["local"]
