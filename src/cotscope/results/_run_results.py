"""Every measure's result of one run, as a reader (the report) needs them.

Stored results are used when their inputs are unchanged; the others are computed
by the same measures in memory and not stored (for a run directory that cannot be
written). A measure that raises is recorded with its error, never read as "no data".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from cotscope.store import decode_result, encode_result

from ._analyse import current_results, results_state
from ._read import run_stats

if TYPE_CHECKING:
    from cotscope.stats import RunStats
    from cotscope.store import Store, StoredResult

T = TypeVar("T")


@dataclass
class RunResults:
    """The results of one run, by measure name."""

    run: str
    """Run name."""
    stats: RunStats
    """The `rates` result: every rate, trend, first rise and change point."""
    stored: dict[str, StoredResult] = field(default_factory=dict)
    """Current stored results (payload None: the measure does not apply)."""
    computed: dict[str, Any] = field(default_factory=dict)
    """Results computed for this reader because none was stored or it was stale."""
    failed: dict[str, str] = field(default_factory=dict)
    """Measures that raised while computing, with the error."""

    def get(self, measure: str, kind: type[T]) -> T | None:
        """A measure's result as `kind`, or None when the measure does not apply."""
        if measure in self.computed:
            value = self.computed[measure]
            if value is None or isinstance(value, kind):
                return value
            return decode_result(kind, encode_result(value))
        stored = self.stored.get(measure)
        if stored is None or stored.payload is None:
            return None
        return decode_result(kind, stored.payload)


def load_results(store: Store, run: str) -> RunResults:
    """Current stored results of a run, with the missing or stale ones computed now.

    Args:
        store: An open store (read-only is enough).
        run: Run name.
    """
    state = results_state(store, run)
    stats = run_stats(store, run, state=state)
    stored = current_results(store, run, exclude=["rates"], state=state)
    out = RunResults(run, stats, stored)
    for m in state.measures:
        if m.name == "rates" or m.name in stored:
            continue
        try:
            out.computed[m.name] = m.compute(store, stats)
        except Exception as ex:  # one broken measure must not hide the others
            out.failed[m.name] = f"{type(ex).__name__}: {ex}"
    return out
