"""How well each grader of a run is known to work: precision and recall beside its rates.

A lexical detector is scored on the shipped labelled set when the graded rates are
computed (`lexical_validations`, part of the `graded-rates` result). A judge is
validated by `cotscope validate-grader --out <run>/validations/<name>.json`;
`judge_validations` reads those files into the `graded-rates` result, whose inputs hash
covers them, so adding or editing one recomputes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._lexical import load_detector
from ._validate import Validation, load_labels, validate_lexical

if TYPE_CHECKING:
    from ._rates import GradedRate

VALIDATIONS_DIRNAME = "validations"
"""Folder in a run directory holding `validate-grader --out` JSON files."""

LEXICAL_SPLITS: tuple[str | None, ...] = (None, "heldout")
"""Splits of the shipped labelled set a detector is scored on (None: all excerpts)."""


@dataclass
class ValidationCheck:
    """A grader's precision and recall on one labelled set, with Wilson intervals."""

    source: str | None
    """Shipped set: the split (None for all excerpts); a judge: the validation file's name."""
    n: int | None
    """Excerpts scored."""
    precision: float | None = None
    """Share of flagged excerpts labelled positive."""
    precision_interval: tuple[float, float] | None = None
    """Its 95% interval."""
    recall: float | None = None
    """Share of positive excerpts flagged."""
    recall_interval: tuple[float, float] | None = None
    """Its 95% interval."""


@dataclass
class JudgeValidation:
    """A judge's precision and recall on a rubric, from a `<run>/validations/*.json` file."""

    judge: str
    """Judge key."""
    rubric_hash: str
    """The rubric version it was validated on."""
    check: ValidationCheck
    """Its precision and recall."""


def judge_validations(run_dir: str | Path, cells: list[tuple[str, str]]) -> list[JudgeValidation]:
    """The stored validation of each (judge, rubric hash) that has one.

    A lexical detector's stored validation is a run's own (e.g. on labelled CoTs of the
    model it graded), shown beside its scores on the shipped labelled set.
    """
    out = []
    for judge, rubric_hash in dict.fromkeys(cells):
        found = stored_validation(run_dir, judge, rubric_hash)
        if found is not None:
            out.append(JudgeValidation(judge, rubric_hash, found))
    return out


@dataclass
class LexicalValidation:
    """A lexical detector's scores on the shipped labelled set."""

    rubric: str
    """Rubric (lexicon) name."""
    judge: str
    """The detector's judge key (`lexical:...`)."""
    checks: list[ValidationCheck] = field(default_factory=list)
    """One per split with labelled excerpts; empty when not measured."""


def lexical_validations(cells: Sequence[GradedRate]) -> list[LexicalValidation]:
    """Score every lexical detector among the graded cells on the shipped labelled set.

    Args:
        cells: Label-rubric cells (`graded_rates`).

    Returns:
        One entry per detector (rubric and judge), in first-seen order.
    """
    out: dict[tuple[str, str], LexicalValidation] = {}
    labels = None
    for c in cells:
        if not c.judge.startswith("lexical:") or (c.rubric, c.judge) in out:
            continue
        found = out[(c.rubric, c.judge)] = LexicalValidation(c.rubric, c.judge)
        try:
            detector = load_detector(c.rubric)
            labels = load_labels() if labels is None else labels
        except (KeyError, ValueError):
            continue  # not measured: a user lexicon, or a broken file
        for split in LEXICAL_SPLITS:
            v = validate_lexical(detector, labels, split)
            if v.n:
                found.checks.append(
                    ValidationCheck(
                        split, v.n, v.precision, v.precision_interval, v.recall, v.recall_interval
                    )  # fmt: skip
                )
    return list(out.values())


def _pair(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list | tuple) or len(value) != 2 or None in value:
        return None
    return float(value[0]), float(value[1])


def validation_record(
    result: Validation, rubric_hash: str, split: str | None = None, **extra: object
) -> dict[str, object]:
    """A validation as `validate-grader --out` writes it and `stored_validation` reads it.

    Args:
        result: The grader's scores on labelled excerpts.
        rubric_hash: The rubric version it was validated on.
        split: The split scored (None: all).
        extra: Further fields kept in the file (e.g. which labelled set).
    """
    return result.as_dict() | {"split": split, "rubric_hash": rubric_hash} | extra


def stored_validation(run_dir: str | Path, judge: str, rubric_hash: str) -> ValidationCheck | None:
    """The first `<run>/validations/*.json` (by name) that validated this judge and rubric.

    Args:
        run_dir: The run directory.
        judge: Judge key.
        rubric_hash: The rubric version graded with (its file's SHA-256).

    Returns:
        Its precision and recall, or None when no file matches.
    """
    folder = Path(run_dir) / VALIDATIONS_DIRNAME
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if data.get("judge") == judge and data.get("rubric_hash") == rubric_hash:
            return ValidationCheck(
                path.name, data.get("n"), data.get("precision"),
                _pair(data.get("precision_ci")), data.get("recall"), _pair(data.get("recall_ci")),
            )  # fmt: skip
    return None
