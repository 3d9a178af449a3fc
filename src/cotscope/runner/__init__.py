"""The sweep runner: a plan of models × variants × epochs, run through Inspect into the store."""

from ._plan import FailedUnit, SweepError, SweepPlan, SweepResult, environment, plan_sweep
from ._rows import reasoning_of, sample_to_row
from ._summary import SummaryRow, render_summary, summarize
from ._sweep import run_sweep

__all__ = [
    "FailedUnit",
    "SummaryRow",
    "SweepError",
    "SweepPlan",
    "SweepResult",
    "environment",
    "plan_sweep",
    "reasoning_of",
    "render_summary",
    "run_sweep",
    "sample_to_row",
    "summarize",
]
