"""Progress on the driver: work merged / planned, per model (or judge) and overall."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any


class WorkProgress:
    """One display on the driver for every worker's samples or graded transcripts.

    Work counts as done when its shard is merged or its rows committed. `rich` draws
    live bars on stderr; `none` is silent; any other mode echoes one line per merged
    chunk or commit (for logs and CI).
    """

    def __init__(
        self,
        display: str,
        echo: Callable[[str], None],
        unit: str = "samples",
        overall: str = "all models",
    ) -> None:
        self._mode = "rich" if display == "rich" else ("none" if display == "none" else "lines")
        self._echo = echo
        self._planned: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._bars: dict[str, Any] = {}
        self._rich: Any = None
        self._unit = unit
        self._overall = overall

    def __enter__(self) -> WorkProgress:
        if self._mode == "rich":
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._rich = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self._unit),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._rich.start()
            self._bars[""] = self._rich.add_task(self._overall, total=0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._rich is not None:
            self._rich.stop()

    def plan(self, model_id: str, samples: int) -> None:
        """Count `samples` more to run for `model_id` (a first pass or a precision round)."""
        if samples <= 0:
            return
        self._planned[model_id] = self._planned.get(model_id, 0) + samples
        self._done.setdefault(model_id, 0)
        if self._rich is not None:
            if model_id not in self._bars:
                self._bars[model_id] = self._rich.add_task(model_id, total=0)
            self._rich.update(self._bars[model_id], total=self._planned[model_id])
            self._rich.update(self._bars[""], total=sum(self._planned.values()))

    def advance(self, model_id: str, samples: int) -> None:
        """Count `samples` of `model_id` as done (merged into the store)."""
        self._done[model_id] = self._done.get(model_id, 0) + samples
        if self._rich is not None:
            if model_id in self._bars:
                self._rich.advance(self._bars[model_id], samples)
            self._rich.advance(self._bars[""], samples)
        elif self._mode == "lines":
            done, planned = sum(self._done.values()), sum(self._planned.values())
            self._echo(
                f"{model_id}: {self._done[model_id]}/{self._planned.get(model_id, 0)} "
                f"{self._unit} ({self._overall}: {done}/{planned})"
            )
