"""Statistics: intervals, aggregates, trend tests, paired comparisons, power.

Every function is pure and typed; a rate with n = 0 is "no data" (None), never
NaN or 0%. `collect_stats` reads a run's store and applies them all; its JSON
form is what `cotscope stats --json` prints (see docs/stats-json.md).
"""

from ._aggregate import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Aggregate,
    aggregate_rates,
    bootstrap_mean_interval,
)
from ._changepoint import (
    ChangePoint,
    Segment,
    Segmentation,
    equal_n_ends,
    multiple_changes,
    single_change,
)
from ._collect import collect_stats
from ._compare import (
    Comparison,
    mcnemar_exact,
    newcombe_interval,
    paired_comparison,
    unpaired_comparison,
)
from ._compare_run import CompareRow, compare_models
from ._intervals import (
    IntervalMethod,
    RateEstimate,
    clopper_pearson_interval,
    rate_estimate,
    wilson_interval,
)
from ._load import measures_for_labels, resolve_run
from ._power import detectable_effect_size, minimum_detectable_effect, power_two_proportions
from ._rise import FirstRise, RiseTest, cmh_one_sided, fisher_greater, holm_adjust
from ._run_stats import (
    EXCLUDED_OUTCOMES,
    ModelInfo,
    PhaseRow,
    RateRow,
    RiseRow,
    RiseTestRow,
    RunStats,
    StatsError,
    TrendRow,
    VariantInfo,
)
from ._summary import SummaryLine, summarise
from ._trend import Cell, TrendResult, first_rise, logistic_trend, trend_test

__all__ = [
    "ChangePoint",
    "SummaryLine",
    "summarise",
    "Segment",
    "Segmentation",
    "equal_n_ends",
    "multiple_changes",
    "single_change",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "EXCLUDED_OUTCOMES",
    "Aggregate",
    "Cell",
    "CompareRow",
    "Comparison",
    "FirstRise",
    "IntervalMethod",
    "ModelInfo",
    "RateEstimate",
    "RateRow",
    "RiseRow",
    "RiseTest",
    "RiseTestRow",
    "RunStats",
    "StatsError",
    "TrendResult",
    "TrendRow",
    "PhaseRow",
    "VariantInfo",
    "aggregate_rates",
    "bootstrap_mean_interval",
    "clopper_pearson_interval",
    "cmh_one_sided",
    "fisher_greater",
    "collect_stats",
    "compare_models",
    "detectable_effect_size",
    "first_rise",
    "holm_adjust",
    "logistic_trend",
    "trend_test",
    "mcnemar_exact",
    "measures_for_labels",
    "resolve_run",
    "minimum_detectable_effect",
    "newcombe_interval",
    "paired_comparison",
    "power_two_proportions",
    "rate_estimate",
    "unpaired_comparison",
    "wilson_interval",
]
