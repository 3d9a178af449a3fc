"""Feed concurrent async generate calls to the engine's continuous batching loop.

Inspect calls a provider's `generate` once per sample, concurrently. Each call here
queues its request and waits on an event. A worker thread owns the engine: when a
request arrives it waits a few milliseconds for others, starts decoding them, and
between decode steps pulls in whatever else has been queued, up to the batch size.
Each caller is woken in its own event loop as soon as its own row finishes. The
event loop never runs model code.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel

from ._decode import Deliver, Take
from ._types import Completion, GenerationRequest

Serve = Callable[[Take, Deliver, int], None]
"""Decodes requests from `take` (at most n rows at once) until it runs dry."""


@dataclass(eq=False)
class _Pending:
    request: GenerationRequest
    done: anyio.Event
    token: anyio.lowlevel.EventLoopToken
    result: Completion | None = None
    error: BaseException | None = None
    cancelled: bool = False

    def notify(self) -> None:
        try:
            anyio.from_thread.run_sync(self.done.set, token=self.token)
        except Exception:
            pass  # the caller's event loop has ended; nobody is waiting


class BatchScheduler:
    """Collects concurrent requests for one engine and serves them on one thread."""

    def __init__(self, serve: Serve, *, max_batch_size: int = 16, window: float = 0.02) -> None:
        """Create a scheduler; its worker thread starts with the first request.

        Args:
            serve: Runs the decode loop (called on the worker thread only), e.g.
                `lambda take, deliver, n: engine.serve(take, deliver, max_rows=n)`.
            max_batch_size: Most requests decoding at once.
            window: Seconds to wait after a request reaches an idle worker for others
                to start with it.
        """
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, got {max_batch_size}")
        self.max_batch_size = max_batch_size
        self.window = window
        self._serve = serve
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self.batch_sizes: list[int] = []
        """Size of every group of requests that joined decoding together (diagnostics)."""

    async def submit(self, request: GenerationRequest) -> Completion:
        """Queue a request and wait for its completion.

        Args:
            request: The request.

        Returns:
            Its completion.

        Raises:
            BaseException: Whatever decoding its batch raised.
        """
        pending = _Pending(request, anyio.Event(), anyio.lowlevel.current_token())
        self._ensure_worker()
        self._queue.put(pending)
        try:
            await pending.done.wait()
        except BaseException:
            pending.cancelled = True  # skipped if it has not started decoding yet
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
            first = self._queue.get()
            if first is None:
                return
            # Wait briefly so that requests sent together start together.
            time.sleep(self.window)
            session = _Session(self._queue, first, self.batch_sizes)
            try:
                self._serve(session.take, session.deliver, self.max_batch_size)
            except BaseException as ex:  # every waiting caller must hear about it
                session.fail(ex)
            if session.stopping:
                return


class _Session:
    """One run of the decode loop: what it has taken and not yet delivered."""

    def __init__(
        self, source: queue.Queue[_Pending | None], first: _Pending, sizes: list[int]
    ) -> None:
        self.source = source
        self.waiting: list[_Pending] = [first]
        self.in_flight: set[_Pending] = set()
        self.sizes = sizes
        self.stopping = False

    def take(self, n: int) -> list[tuple[Any, GenerationRequest]]:
        got: list[_Pending] = []
        while len(got) < n:
            if self.waiting:
                item: _Pending | None = self.waiting.pop(0)
            elif self.stopping:
                break
            else:
                try:
                    item = self.source.get_nowait()
                except queue.Empty:
                    break
            if item is None:
                self.stopping = True
            elif not item.cancelled:
                got.append(item)
        if got:
            self.sizes.append(len(got))
            self.in_flight.update(got)
        return [(p, p.request) for p in got]

    def deliver(self, key: Any, completion: Completion) -> None:
        pending: _Pending = key
        pending.result = completion
        self.in_flight.discard(pending)
        pending.notify()

    def fail(self, error: BaseException) -> None:
        for pending in [*self.in_flight, *self.waiting]:
            pending.error = error
            pending.notify()
        self.in_flight.clear()
        self.waiting.clear()
