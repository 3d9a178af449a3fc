"""Reading results back as typed objects, computing in memory what is not stored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from cotscope.stats import RunStats, collect_stats

from ._analyse import ResultsState, current_results

if TYPE_CHECKING:
    from cotscope.store import Store

STORED_CONFIDENCE = 0.95
"""The coverage of the intervals `cotscope analyse` stores."""


def run_stats(
    store: Store,
    run: str | None = None,
    confidence: float = 0.95,
    state: ResultsState | None = None,
) -> RunStats:
    """The run's rates, trends, first rises and change points.

    Read from the stored `rates` result when it is current and has the requested
    confidence; computed afresh otherwise (nothing is written: this is a read).
    `state` is the run's `results_state`, when the caller already has it.
    """
    from cotscope.stats import resolve_run

    name = resolve_run(store, run)
    if confidence == STORED_CONFIDENCE:
        stored = current_results(store, name, ["rates"], state=state).get("rates")
        if stored is not None and stored.payload is not None:
            from ._rates_payload import StalePayload, stats_from_payload

            try:
                return stats_from_payload(stored.payload)
            except (ValidationError, StalePayload):
                pass  # written by another version of RunStats: recompute
    return collect_stats(store, name, confidence=confidence)
