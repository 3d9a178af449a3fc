"""Parts of the graders section: score rubrics, judge agreement, validation notes, flags.

Plain rows and sentences for `sections/graders.html.j2`; the numbers are the
`graded-rates` result's, the flagged sentences a typed read of `cotscope.graders`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from cotscope.graders import (
    VALIDATIONS_DIRNAME,
    Agreement,
    GradedResults,
    ScoreCell,
    ValidationCheck,
)

from .._format import interval, pct

if TYPE_CHECKING:
    pass

STATISTIC_NAMES = {"cohen_kappa": "Cohen's κ", "krippendorff_alpha": "Krippendorff's α"}
SPLIT_NAMES = {None: "all", "heldout": "held-out, never used to tune"}
"""How a split of the shipped labelled set is named in the validation note."""


def failed_text(failures: dict[str, int]) -> str:
    """Failed grades by outcome, e.g. `refusal 2, unparseable 1`, or `0`."""
    return ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "0"


def score_blocks(cells: list[ScoreCell]) -> list[dict[str, Any]]:
    """One block per score rubric × judge: mean per checkpoint, distribution, failures."""
    groups: dict[tuple[str, str], list[ScoreCell]] = defaultdict(list)
    for c in cells:
        groups[(c.rubric_hash, c.judge)].append(c)
    out = []
    for group in groups.values():
        first = group[0]
        failed: dict[str, int] = defaultdict(int)
        for c in group:
            if c.scale == first.scale:  # a failure is counted once, not once per scale
                for k, v in c.failures.items():
                    failed[k] += v
        rows = []
        for c in group:
            mean = "no data" if c.mean is None else f"{c.mean:.2f}"
            ci = c.interval
            shown = mean if ci is None else f"{mean} [{ci[0]:.2f}, {ci[1]:.2f}]"
            dist = " · ".join(f"{k}: {v}" for k, v in c.distribution.items()) or "-"
            rows.append([c.model_id, "" if c.step is None else c.step, c.scale,
                         (f"{shown} (n={c.n})", c.mean if c.mean is not None else ""),
                         dist, failed_text(c.failures)])  # fmt: skip
        out.append(
            {
                "title": f"{first.rubric} — {first.judge} (scores)",
                "facts": [
                    f"rubric {first.rubric} v{first.rubric_version} ({first.rubric_hash[:12]})",
                    f"judge {first.judge}",
                    "failed grades: " + (failed_text(failed) if failed else "none"),
                ],
                "rows": rows,
            }
        )
    return out


def agreement_rows(rows: list[Agreement]) -> list[list[Any]]:
    """Agreement between judges per rubric (and scale), with n; empty with a single judge."""
    body = []
    for a in rows:
        value = "n/a (fewer than 2 items)" if a.value is None else f"{a.value:.3f}"
        observed = "" if a.observed is None else f"{100 * a.observed:.1f}%"
        body.append([f"{a.rubric} ({a.rubric_hash[:12]})", a.scale or "label",
                     " vs ".join(a.judges) if len(a.judges) == 2
                     else f"all {len(a.judges)}: " + ", ".join(a.judges),
                     STATISTIC_NAMES[a.statistic], value, a.n, observed])  # fmt: skip
    return body


def _check_text(check: ValidationCheck) -> str:
    return (
        f"(n={check.n}): precision {pct(check.precision)} "
        f"{interval(*(check.precision_interval or (None, None)))}, recall "
        f"{pct(check.recall)} {interval(*(check.recall_interval or (None, None)))}"
    )


def validation_note(graded: GradedResults, rubric: str, rubric_hash: str, judge: str) -> str:
    """Precision and recall of a grader as the report states them, or how to measure them.

    Both come with the graded rates: a lexical detector's on the shipped labelled set,
    a judge's from the first `<run>/validations/*.json` that validated it.
    """
    stored = next(
        (
            v.check
            for v in graded.judge_validations
            if (v.judge, v.rubric_hash) == (judge, rubric_hash)
        ),
        None,
    )
    own = f"{stored.source} {_check_text(stored)}" if stored is not None else None
    if judge.startswith("lexical:"):
        found = next(
            (v for v in graded.validations if (v.rubric, v.judge) == (rubric, judge)), None
        )
        shipped = (
            "on the shipped labelled set, "
            + "; ".join(
                f"{SPLIT_NAMES.get(c.source, c.source)} {_check_text(c)}" for c in found.checks
            )
            if found is not None and found.checks
            else None
        )
        return "; ".join(n for n in (own, shipped) if n) or "not measured"
    if own is not None:
        return own
    return (
        "not measured for this judge: run `cotscope validate-grader --grader "
        f"{rubric} --judge <model> --out {VALIDATIONS_DIRNAME}/<name>.json` in the run directory"
    )
