"""Results: every measure of a run, computed once by `cotscope analyse` and stored.

`analyse(run_dir)` runs the measures whose inputs changed (rates and trends, graded
rates, term results, intervention effects, each suite's own analysis) and stores
each result with its version, inputs hash and run time; `read_results` (from
`cotscope.store`) reads them back.
"""

from ._analyse import (
    AnalyseReport,
    MeasureStatus,
    ResultsState,
    analyse,
    current_results,
    measure_hashes,
    measures_for,
    results_state,
)
from ._measures import Measure, builtin_measures, suite_measures
from ._read import STORED_CONFIDENCE, run_stats
from ._run_results import RunResults, load_results

__all__ = [
    "STORED_CONFIDENCE",
    "AnalyseReport",
    "Measure",
    "MeasureStatus",
    "ResultsState",
    "RunResults",
    "analyse",
    "current_results",
    "measure_hashes",
    "builtin_measures",
    "load_results",
    "measures_for",
    "results_state",
    "run_stats",
    "suite_measures",
]
