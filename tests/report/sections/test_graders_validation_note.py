"""How the graders section states a grader's precision and recall."""

from __future__ import annotations

from cotscope.graders import GradedResults
from cotscope.graders._validations import JudgeValidation, LexicalValidation, ValidationCheck
from cotscope.report.sections._graders_parts import validation_note


def _check(source: str, precision: float) -> ValidationCheck:
    return ValidationCheck(
        source=source, n=160, precision=precision, recall=0.88,
        precision_interval=(0.86, 0.98), recall_interval=(0.78, 0.94),
    )  # fmt: skip


def test_a_lexical_detector_shows_the_runs_own_validation_then_the_shipped_one() -> None:
    graded = GradedResults(
        [], [], [],
        [LexicalValidation("grader-seeking", "lexical:g", [_check("all", 0.93)])],
        [JudgeValidation("lexical:g", "h", _check("organism-cots.json", 0.95))],
    )  # fmt: skip
    note = validation_note(graded, "grader-seeking", "h", "lexical:g")
    assert note.startswith("organism-cots.json (n=160): precision 95.0%")
    assert "on the shipped labelled set," in note and "precision 93.0%" in note
    assert validation_note(GradedResults([], [], [], [], []), "g", "h", "lexical:g") == (
        "not measured"
    )
