"""Turn concurrent async generate calls into batches run on one worker thread.

Inspect calls a provider's `generate` once per sample, concurrently. Each call here
queues its request and waits on an event; a worker thread takes whatever is queued
(waiting a few milliseconds for stragglers, up to the batch size), runs the batch,
and wakes each caller in its own event loop. The event loop never runs model code,
and one scheduler runs one batch at a time.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import anyio.from_thread
import anyio.lowlevel

from ._engine import Completion, GenerationRequest

RunBatch = Callable[[list[GenerationRequest]], list[Completion]]
"""Runs one batch of requests and returns their completions in order."""


@dataclass(eq=False)
class _Pending:
    request: GenerationRequest
    done: anyio.Event
    token: anyio.lowlevel.EventLoopToken
    result: Completion | None = None
    error: BaseException | None = None
    cancelled: bool = False
    queued_at: float = field(default_factory=time.monotonic)

    def notify(self) -> None:
        try:
            anyio.from_thread.run_sync(self.done.set, token=self.token)
        except Exception:
            pass  # the caller's event loop has ended; nobody is waiting


class BatchScheduler:
    """Collects concurrent requests into batches for one engine."""

    def __init__(
        self, run_batch: RunBatch, *, max_batch_size: int = 16, window: float = 0.02
    ) -> None:
        """Create a scheduler; its worker thread starts with the first request.

        Args:
            run_batch: Runs one batch (called on the worker thread only).
            max_batch_size: Most requests in one batch.
            window: Seconds to wait after the first queued request for others to
                join its batch.
        """
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, got {max_batch_size}")
        self.max_batch_size = max_batch_size
        self.window = window
        self._run_batch = run_batch
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self.batch_sizes: list[int] = []
        """Size of every batch run so far (for tests and diagnostics)."""

    async def submit(self, request: GenerationRequest) -> Completion:
        """Queue a request and wait for its completion.

        Args:
            request: The request.

        Returns:
            Its completion.

        Raises:
            BaseException: Whatever running its batch raised.
        """
        pending = _Pending(request, anyio.Event(), anyio.lowlevel.current_token())
        self._ensure_worker()
        self._queue.put(pending)
        try:
            await pending.done.wait()
        except BaseException:
            pending.cancelled = True  # skipped if its batch has not started yet
            raise
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def close(self) -> None:
        """Stop the worker thread once the queue is drained."""
        with self._thread_lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread = None

    def _ensure_worker(self) -> None:
        with self._thread_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="cotscope-local-batches", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            batch, stop = self._collect()
            batch = [p for p in batch if not p.cancelled]
            if batch:
                self._run(batch)
            if stop:
                return

    def _collect(self) -> tuple[list[_Pending], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        deadline = time.monotonic() + self.window
        while len(batch) < self.max_batch_size:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self, batch: list[_Pending]) -> None:
        self.batch_sizes.append(len(batch))
        try:
            results = self._run_batch([p.request for p in batch])
            for p, result in zip(batch, results, strict=True):
                p.result = result
        except BaseException as ex:  # every waiting caller must hear about it
            for p in batch:
                p.error = ex
        for p in batch:
            p.notify()
