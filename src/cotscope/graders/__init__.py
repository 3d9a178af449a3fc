"""Graders over reasoning: rubrics as data, LLM judges and panels, lexical detectors.

Rubrics are Markdown files with YAML front matter (`rubrics/`), lexicons are YAML
term and pattern lists (the shared `cotscope/text/lexicons/`, format and matching
rules in `cotscope.text`), and the labelled validation set is JSON Lines
(`labels/validation.jsonl`); all are loaded by name and hashed into every grade.
Grades go to the run store's `grades` table; failures are outcomes, never a "no".
"""

from cotscope.store import (
    FAILURE_OUTCOMES,
    GRADE_COLUMNS,
    GRADE_OUTCOMES,
    GradeRow,
    ensure_grades_table,
    has_grades_table,
    read_grades,
    write_grades,
)

from ._agreement import cohen_kappa, krippendorff_alpha
from ._flags import (
    FLAG_EXAMPLES,
    EvidenceSpan,
    FlagExample,
    evidence_spans,
    flag_examples,
    sentence_around,
)
from ._grade import GradeSummary, JudgeSummary, grade_run, lexical_row
from ._judge import JudgeGrade, JudgeSpec, Transcript, chunk_spans, combine, judge_transcript
from ._lexical import (
    LexicalDetector,
    LexicalSpan,
    MissedEstimate,
    PrescreenPlan,
    estimate_missed,
    lexicon_names,
    load_detector,
    plan_prescreen,
)
from ._panel import Agreement, judge_agreement, panel_agreement
from ._parse import ParsedVerdict, locate_quote, parse_verdict
from ._prescreen import CorrectedRate, PrescreenStratum, corrected_rate
from ._rates import GradedRate, GradedResults, graded_rates, graded_results
from ._rubric import (
    Rubric,
    RubricError,
    Scale,
    builtin_rubrics,
    get_rubric,
    load_rubric_file,
    load_rubrics,
    parse_rubric,
)
from ._scores import ScoreCell, score_rates
from ._validate import LabelledExcerpt, Validation, load_labels, validate_judge, validate_lexical
from ._validations import (
    VALIDATIONS_DIRNAME,
    LexicalValidation,
    ValidationCheck,
    judge_validations,
    lexical_validations,
    stored_validation,
    validation_record,
)

__all__ = [
    "FLAG_EXAMPLES",
    "VALIDATIONS_DIRNAME",
    "EvidenceSpan",
    "FlagExample",
    "LexicalValidation",
    "ValidationCheck",
    "evidence_spans",
    "flag_examples",
    "lexical_validations",
    "sentence_around",
    "judge_validations",
    "stored_validation",
    "validation_record",
    "GradedRate",
    "GradedResults",
    "graded_results",
    "ScoreCell",
    "graded_rates",
    "score_rates",
    "FAILURE_OUTCOMES",
    "GRADE_COLUMNS",
    "GRADE_OUTCOMES",
    "Agreement",
    "CorrectedRate",
    "GradeRow",
    "GradeSummary",
    "JudgeGrade",
    "JudgeSpec",
    "JudgeSummary",
    "LabelledExcerpt",
    "LexicalDetector",
    "LexicalSpan",
    "MissedEstimate",
    "ParsedVerdict",
    "PrescreenPlan",
    "PrescreenStratum",
    "Rubric",
    "RubricError",
    "Scale",
    "Transcript",
    "Validation",
    "builtin_rubrics",
    "chunk_spans",
    "cohen_kappa",
    "combine",
    "corrected_rate",
    "ensure_grades_table",
    "estimate_missed",
    "get_rubric",
    "grade_run",
    "has_grades_table",
    "judge_agreement",
    "judge_transcript",
    "krippendorff_alpha",
    "lexical_row",
    "lexicon_names",
    "load_detector",
    "load_labels",
    "load_rubric_file",
    "load_rubrics",
    "locate_quote",
    "panel_agreement",
    "parse_rubric",
    "parse_verdict",
    "plan_prescreen",
    "read_grades",
    "validate_judge",
    "validate_lexical",
    "write_grades",
]
