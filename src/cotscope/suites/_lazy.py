"""Names a suite package exports but imports only on first use.

A suite's analysis and its result types pull in `cotscope.stats` and the store (numpy,
scipy, DuckDB); `cotscope suites` imports every suite package at start-up, so those
names load when someone asks for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_attributes(package: str, modules: Mapping[str, list[str]]) -> Callable[[str], object]:
    """A module `__getattr__` importing each name from its submodule on first use.

    Args:
        package: The package's `__name__`.
        modules: Relative submodule (e.g. `._summary`) → the names it provides.
    """
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name], package), name)

    return __getattr__
