from __future__ import annotations

import threading

import pytest

from cotscope.models._kv_cache import _runs
from cotscope.models._torch_thread import is_torch_thread, on_torch_thread


def test_every_call_runs_on_one_thread_that_is_not_the_callers() -> None:
    seen: list[threading.Thread] = []

    def record() -> None:
        seen.append(threading.current_thread())

    on_torch_thread(record)
    worker = threading.Thread(target=lambda: on_torch_thread(record))
    worker.start()
    worker.join()
    assert len(seen) == 2
    assert seen[0] is seen[1]
    assert seen[0] is not threading.current_thread()
    assert seen[0].name == "cotscope-torch"
    assert not is_torch_thread()


def test_nested_calls_run_inline_and_results_come_back() -> None:
    def outer() -> tuple[bool, int]:
        return is_torch_thread(), on_torch_thread(lambda: 41) + 1

    assert on_torch_thread(outer) == (True, 42)


def test_errors_reach_the_caller_and_the_thread_survives() -> None:
    def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        on_torch_thread(fail)
    assert on_torch_thread(lambda: "still here") == "still here"


def test_kept_rows_become_runs_of_consecutive_rows() -> None:
    assert _runs([]) == []
    assert _runs([0, 1, 2, 5, 7, 8]) == [(0, 3), (5, 6), (7, 9)]
    assert _runs([3]) == [(3, 4)]
