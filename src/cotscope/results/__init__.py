"""Results: every measure of a run, computed once by `cotscope analyse` and stored.

`analyse(run_dir)` runs the measures whose inputs changed (rates and trends, graded
rates, term results, intervention effects, each suite's own analysis) and stores
each result with its version, inputs hash and run time; `read_results` (from
`cotscope.store`) reads them back.
"""

from ._analyse import (
    AnalyseReport,
    MeasureStatus,
    analyse,
    current_results,
    measure_hashes,
    measures_for,
    stale_measures,
)
from ._measures import Measure, builtin_measures, suite_measures, to_json
from ._read import STORED_CONFIDENCE, run_stats

__all__ = [
    "STORED_CONFIDENCE",
    "AnalyseReport",
    "Measure",
    "MeasureStatus",
    "analyse",
    "current_results",
    "measure_hashes",
    "builtin_measures",
    "measures_for",
    "run_stats",
    "stale_measures",
    "suite_measures",
    "to_json",
]
