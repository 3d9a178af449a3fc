from __future__ import annotations

import threading
import time

import anyio
import pytest

from cotscope.models import BatchScheduler, Completion, GenerationRequest
from cotscope.models._decode import Deliver, Take


def _request(n: int) -> GenerationRequest:
    return GenerationRequest(prompt_ids=[n], max_new_tokens=1, seed=n)


def _completion(r: GenerationRequest) -> Completion:
    return Completion(
        text=str(r.prompt_ids[0]),
        token_ids=r.prompt_ids,
        prompt_tokens=1,
        completion_tokens=1,
        finish_reason="stop",
        seed=r.seed or 0,
    )


def _echo(take: Take, deliver: Deliver, max_rows: int) -> None:
    assert threading.current_thread().name == "cotscope-local-batches"
    while taken := take(max_rows):
        assert len(taken) <= max_rows
        for key, request in taken:
            deliver(key, _completion(request))


def _submit_all(scheduler: BatchScheduler, n: int) -> list[str]:
    results: list[str] = [""] * n

    async def one(i: int) -> None:
        results[i] = (await scheduler.submit(_request(i))).text

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(n):
                tg.start_soon(one, i)

    anyio.run(main)
    return results


def test_concurrent_requests_are_batched_and_routed_back() -> None:
    scheduler = BatchScheduler(_echo, max_batch_size=4, window=0.05)
    assert _submit_all(scheduler, 10) == [str(i) for i in range(10)]
    assert max(scheduler.batch_sizes) == 4
    assert sum(scheduler.batch_sizes) == 10
    assert len(scheduler.batch_sizes) == 3
    scheduler.close()


def test_scheduler_survives_across_event_loops() -> None:
    scheduler = BatchScheduler(_echo, max_batch_size=8, window=0.01)
    assert _submit_all(scheduler, 3) == ["0", "1", "2"]
    assert _submit_all(scheduler, 2) == ["0", "1"]
    scheduler.close()
    assert _submit_all(scheduler, 1) == ["0"]  # a closed scheduler restarts its worker
    scheduler.close()


def test_batch_error_reaches_every_caller() -> None:
    def broken(take: Take, deliver: Deliver, max_rows: int) -> None:
        take(max_rows)
        raise RuntimeError("engine failed")

    scheduler = BatchScheduler(broken, max_batch_size=4, window=0.01)
    with pytest.raises(BaseException) as info:
        _submit_all(scheduler, 3)
    assert "engine failed" in repr(info.value) or any(
        "engine failed" in str(e) for e in getattr(info.value, "exceptions", [])
    )
    scheduler.close()


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch_size"):
        BatchScheduler(_echo, max_batch_size=0)


def test_rows_join_a_running_session() -> None:
    """A request queued while others decode joins without waiting for them to finish."""
    seen: list[list[int]] = []

    def staggered(take: Take, deliver: Deliver, max_rows: int) -> None:
        running: list[tuple[object, GenerationRequest]] = []
        for _ in range(50):
            taken = take(max_rows - len(running))
            seen.append([r.prompt_ids[0] for _, r in taken])
            running += taken
            if not running:
                return
            key, request = running.pop(0)  # one row finishes per step
            deliver(key, _completion(request))
            time.sleep(0.01)

    scheduler = BatchScheduler(staggered, max_batch_size=2, window=0.01)
    assert _submit_all(scheduler, 5) == [str(i) for i in range(5)]
    assert max(scheduler.batch_sizes) <= 2
    assert sum(scheduler.batch_sizes) == 5
    assert len([s for s in seen if s]) >= 3  # rows kept joining mid-session
    scheduler.close()
