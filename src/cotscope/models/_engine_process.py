"""Decoding in a child process, for sweeps: `-M engine_process=true`.

Inspect's event loop spends ~11 ms of CPU per sample (`benchmarks/bench_sweep.py`
measures it). In the same process as the engine that work costs decoding far more
than its share of the cores: whenever the event loop takes a core, the engine's
OpenMP team stalls at every barrier, and the engine's Python between torch operations
waits for the event loop's GIL. Measured on 2 cores with a load like Inspect's
(13 ms busy in every 63 ms), decoding slowed by 33% with the load in its process and
by 5% with the load in another process and one single-thread decode loop per core.

So here a child process (started with `spawn`: forking a process that holds torch
threads is unsafe) loads the model and runs `loops` decode loops of one intra-op
thread each, serving one shared queue. Requests go down a pipe and completions come
back as each row finishes; a reader thread in the parent wakes each caller in its
own event loop. One child per model and dtype; starting one stops the idle others.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.lowlevel

from ._cpus import cpu_budget
from ._resolve import ResolvedModel
from ._types import Completion, Dtype, GenerationRequest

if TYPE_CHECKING:
    from ._engine import LocalEngine


@dataclass(eq=False)
class _Waiter:
    done: anyio.Event
    token: anyio.lowlevel.EventLoopToken
    result: Completion | None = None
    error: str | None = None

    def wake(self) -> None:
        loop = self.token.native_token
        try:
            if hasattr(loop, "call_soon_threadsafe"):
                loop.call_soon_threadsafe(self.done.set)  # never waits for that loop
            else:
                anyio.from_thread.run_sync(self.done.set, token=self.token)
        except Exception:
            pass  # the caller's event loop has ended; nobody is waiting


@dataclass(eq=False)
class EngineProcess:
    """A child process decoding for one model; `submit` from any event loop."""

    resolved: ResolvedModel
    dtype: Dtype
    max_rows: int
    loops: int = field(default_factory=lambda: min(2, cpu_budget()))

    def __post_init__(self) -> None:
        self._waiting: dict[int, _Waiter] = {}
        self._ids = itertools.count()
        self._send_lock = threading.Lock()
        self._dead: str | None = None
        # One thread at a time polls or reaps the child: two waitpid calls racing make
        # the loser see ECHILD, and multiprocessing then reports the child as alive.
        self._reap_lock = threading.Lock()
        ctx = multiprocessing.get_context("spawn")
        self._conn, child_conn = ctx.Pipe()
        threads = max(1, cpu_budget() // self.loops)
        self._process = ctx.Process(
            target=_child_main,
            args=(child_conn, self.resolved, self.dtype, self.loops, threads, self.max_rows),
            name=f"cotscope-engine-{self.resolved.fingerprint[:12]}",
            daemon=True,
        )
        self._process.start()
        child_conn.close()
        try:
            ready: str | None = self._conn.recv()
        except EOFError:  # it died before saying anything (killed, out of memory)
            ready = None
        if ready != "ready":
            self._process.join(timeout=5)
            reason = ready or f"exited with code {self._process.exitcode}"
            raise RuntimeError(f"engine process for {self.resolved.path} failed to start: {reason}")
        threading.Thread(target=self._read, name="cotscope-engine-reader", daemon=True).start()

    async def submit(self, request: GenerationRequest) -> Completion:
        """Send a request to the child and wait for its completion.

        Args:
            request: The request.

        Returns:
            Its completion.

        Raises:
            RuntimeError: The child failed on this request or has died.
        """
        waiter = _Waiter(anyio.Event(), anyio.lowlevel.current_token())
        key = next(self._ids)
        self._waiting[key] = waiter
        try:
            with self._send_lock:
                if self._dead is not None:
                    raise RuntimeError(self._dead)
                self._conn.send((key, request))
        except (OSError, ValueError) as ex:
            self._waiting.pop(key, None)
            raise RuntimeError(f"engine process for {self.resolved.path} is gone: {ex}") from ex
        except BaseException:
            self._waiting.pop(key, None)
            raise
        await waiter.done.wait()
        if waiter.error is not None:
            raise RuntimeError(waiter.error)
        assert waiter.result is not None
        return waiter.result

    @property
    def busy(self) -> bool:
        """Whether some caller is waiting for a completion."""
        return bool(self._waiting)

    @property
    def alive(self) -> bool:
        """Whether the child is running and its pipe is open."""
        with self._reap_lock:
            return self._dead is None and self._process.is_alive()

    def close(self) -> None:
        """Stop the child (callers still waiting get an error)."""
        with self._send_lock:
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
        with self._reap_lock:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)

    def _read(self) -> None:
        while True:
            try:
                key, completion, error = self._conn.recv()
            except (EOFError, OSError):
                break
            waiter = self._waiting.pop(key, None)
            if waiter is None:
                continue
            waiter.result, waiter.error = completion, error
            waiter.wake()
        with self._reap_lock:
            self._process.join(timeout=5)  # reap it, so that its exit code is known
            code = self._process.exitcode
        self._dead = f"engine process for {self.resolved.path} ended (exit code {code})"
        for key in list(self._waiting):
            waiter = self._waiting.pop(key)
            waiter.error = self._dead
            waiter.wake()


_processes: dict[tuple[str, str], EngineProcess] = {}
_processes_lock = threading.Lock()


def engine_process(resolved: ResolvedModel, dtype: Dtype, max_rows: int) -> EngineProcess:
    """The running child for this model and dtype, started on first use.

    Starting a child stops every other child with no request in flight: each holds
    ~2 GB (weights, two batches of KV cache, the prompt cache), and a sweep of nine
    checkpoints, one after another, would otherwise keep nine of them.

    Args:
        resolved: The model.
        dtype: Dtype to run in.
        max_rows: Most rows in each decode loop (fixed by the first caller).

    Returns:
        The engine process.
    """
    key = (resolved.fingerprint, dtype)
    with _processes_lock:
        running = _processes.get(key)
        if running is None or not running.alive:
            for other, idle in list(_processes.items()):
                if not idle.busy:
                    idle.close()
                    del _processes[other]
            running = EngineProcess(resolved, dtype, max_rows)
            _processes[key] = running
        return running


def _child_main(
    conn: Connection,
    resolved: ResolvedModel,
    dtype: Dtype,
    loops: int,
    threads: int,
    max_rows: int,
) -> None:
    """The child: load the model, then decode on `loops` threads until told to stop."""
    try:
        from ._engine import LocalEngine

        engine = LocalEngine(resolved, dtype=dtype)
    except BaseException as ex:  # the parent raises it with the model's path
        conn.send(f"{type(ex).__name__}: {ex}")
        return
    requests: queue.Queue[tuple[int, GenerationRequest]] = queue.Queue()
    send_lock = threading.Lock()

    def send(message: Any) -> None:
        with send_lock:
            conn.send(message)

    def decode_loop() -> None:
        import torch

        torch.set_num_threads(threads)
        while True:
            _decode_session(engine, requests, requests.get(), send, max_rows)

    conn.send("ready")
    for i in range(loops):
        threading.Thread(target=decode_loop, name=f"cotscope-decode-{i}", daemon=True).start()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent has gone
        if message is None:
            # Now, without interpreter shutdown, which can wait on the decode threads.
            os._exit(0)
        requests.put(message)  # (key, GenerationRequest)


def _decode_session(
    engine: LocalEngine,
    requests: queue.Queue[tuple[int, GenerationRequest]],
    first: tuple[int, GenerationRequest],
    send: Callable[[Any], None],
    max_rows: int,
) -> None:
    """One run of the decode loop, from `first` until the loop and the queue are empty."""
    from ._decode import serve

    pending = [first]
    taken: set[int] = set()

    def take(n: int) -> list[tuple[Any, GenerationRequest]]:
        got: list[tuple[Any, GenerationRequest]] = []
        while len(got) < n:
            try:
                got.append(pending.pop() if pending else requests.get_nowait())
            except queue.Empty:
                break
        taken.update(key for key, _ in got)
        return got

    def deliver(key: Any, completion: Completion) -> None:
        taken.discard(key)
        send((key, completion, None))

    try:
        serve(engine, take, deliver, max_rows)
    except Exception as ex:  # every row of this loop's batch hears about it
        for key in taken:
            send((key, None, f"decoding failed: {type(ex).__name__}: {ex}"))
