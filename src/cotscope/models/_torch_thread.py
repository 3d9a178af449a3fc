"""One thread runs all of the local engine's torch work in this process.

PyTorch's CPU wheels parallelise with GNU OpenMP, which keeps a team of worker
threads for every thread that has ever run a parallel region, for as long as that
thread lives. Once a process holds more OpenMP threads than the machine has cores,
libgomp cuts its spin-waits at barriers to a hundred spins, so teams sleep and wake
on a futex around every operation. Measured on 2 cores: a decode step at 64 rows took
0.21 s instead of 0.15 s for as long as one idle thread that had once generated was
alive. Loading on an AnyIO worker, serving on a scheduler thread and a direct
`generate` on the main thread would make three teams.

So model loading and decoding all run here, on one daemon thread; other threads hand
it a call and wait for the result. A call made on this thread runs inline. Calls run
one after another: one engine's decode loop runs until its queue is empty before
another engine's starts (two models evaluated at once take turns, not cores). On a
CPU that costs no throughput: each loop already uses every core.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
_thread: threading.Thread | None = None
_start_lock = threading.Lock()


def on_torch_thread(call: Callable[[], T]) -> T:
    """Run `call` on the torch thread and return its result (or raise its error).

    Args:
        call: What to run; it may itself call `on_torch_thread` (that runs inline).

    Returns:
        Whatever `call` returns.
    """
    if is_torch_thread():
        return call()
    future: Future[T] = Future()
    _ensure_thread()
    _jobs.put((future, call))
    return future.result()


def is_torch_thread() -> bool:
    """Whether the caller is the torch thread."""
    return threading.current_thread() is _thread


def _ensure_thread() -> None:
    global _thread
    with _start_lock:
        if _thread is None or not _thread.is_alive():
            # Daemon: an interrupted run exits without waiting for a decode to end.
            _thread = threading.Thread(target=_work, name="cotscope-torch", daemon=True)
            _thread.start()


def _work() -> None:
    while True:
        future, call = _jobs.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(call())
        except BaseException as ex:  # the caller re-raises it
            future.set_exception(ex)
