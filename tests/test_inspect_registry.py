"""The inspect_ai entry point registers every built-in suite's task and the local provider."""

from __future__ import annotations

import importlib.util

from inspect_ai._util.registry import registry_lookup

import cotscope._inspect_registry  # noqa: F401  (registers on import, as Inspect does)
from cotscope.suites._suite import suite_packages


def test_every_suite_task_is_registered_under_the_cotscope_namespace() -> None:
    with_tasks = [
        p.rsplit(".", 1)[1]
        for p in suite_packages()
        if importlib.util.find_spec(f"{p}._task") is not None
    ]
    assert "reward_hints" in with_tasks
    for name in with_tasks:
        assert registry_lookup("task", f"cotscope/{name}") is not None, name


def test_local_provider_is_registered() -> None:
    assert registry_lookup("modelapi", "cotscope/local") is not None
