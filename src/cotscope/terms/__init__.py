"""Unusual terminology: which words reasoning overuses against human text, since when, and how.

`analyse_terms(store, TermsOptions(...))` streams a run's reasoning, compares it with
human English (wordfreq) by Fightin' Words log-odds, finds words that emerge over
checkpoints, follows tracked terms with intervals and shows uses in context; a
`UsageJudge` (e.g. `RubricUsageJudge`) then says which uses refer outside the
scenario. The result is the pydantic `TermsResult` that `cotscope terms --json` prints.
"""

from ._analyse import analyse_terms, reports_of, resolve_tracked
from ._baseline import BASELINE_SIZE, FLOOR_FREQUENCY, HumanBaseline
from ._counts import CheckpointCounts, count_reasoning
from ._judge import UsageJudge, Verdict, judge_outside_scenario, judge_report
from ._logodds import PRIOR_STRENGTH, LogOdds, between, log_odds, vs_baseline
from ._models import (
    REPORT_MAX_COTS,
    SCHEMA_VERSION,
    Checkpoint,
    ComparedTerm,
    Comparison,
    KwicLine,
    OutsideScenario,
    Provenance,
    RiseTest,
    SuiteTerms,
    TermAtCheckpoint,
    TermReport,
    TermsOptions,
    TermsResult,
    TrendTest,
)
from ._rubric_judge import RubricUsageJudge, load_term_rubric
from ._tokenize import single_token, tokenize
from ._tracked import TermList, TrackedTerm, load_term_file, parse_user_terms

__all__ = [
    "REPORT_MAX_COTS",
    "BASELINE_SIZE",
    "FLOOR_FREQUENCY",
    "PRIOR_STRENGTH",
    "SCHEMA_VERSION",
    "Checkpoint",
    "CheckpointCounts",
    "ComparedTerm",
    "Comparison",
    "HumanBaseline",
    "KwicLine",
    "LogOdds",
    "OutsideScenario",
    "Provenance",
    "RiseTest",
    "RubricUsageJudge",
    "SuiteTerms",
    "TermAtCheckpoint",
    "TermList",
    "TermReport",
    "TermsOptions",
    "TermsResult",
    "TrackedTerm",
    "TrendTest",
    "UsageJudge",
    "Verdict",
    "analyse_terms",
    "between",
    "count_reasoning",
    "judge_outside_scenario",
    "judge_report",
    "load_term_file",
    "load_term_rubric",
    "log_odds",
    "parse_user_terms",
    "reports_of",
    "resolve_tracked",
    "single_token",
    "tokenize",
    "vs_baseline",
]
