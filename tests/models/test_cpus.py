"""The engine's thread count is this process's share of the cores, not the machine's."""

from __future__ import annotations

import os

import pytest

from cotscope.models._cpus import cpu_budget


def test_a_declared_share_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    # What Ray sets in a task declared with num_cpus: 1.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert cpu_budget() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert cpu_budget() == 3


@pytest.mark.parametrize("value", ["", "0", "two", "-1"])
def test_without_a_valid_share_the_affinity_mask_counts(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert cpu_budget() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert cpu_budget() == 1  # pinned to one core (taskset, a cgroup cpuset)


def test_a_ray_task_decodes_on_its_share(ray_cluster: None) -> None:
    import ray

    @ray.remote(num_cpus=1)
    def share() -> int:
        return cpu_budget()

    assert ray.get(share.remote()) == 1
