"""Graded rates per checkpoint next to action rates, and action × verbalization tables.

These are the numbers the report shows; they are computed here, by the measure,
from the `samples` and `grades` tables. A rate's n counts successful grades only;
failures and prescreen skips are counted beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cotscope.stats import EXCLUDED_OUTCOMES, wilson_interval
from cotscope.store import (
    SampleFilter,
    count_samples,
    graded_samples,
    has_grades_table,
    suite_outcomes,
)
from cotscope.suites import behaviour

from ._panel import Agreement, judge_agreement
from ._prescreen import CorrectedRate, PrescreenStratum, corrected_rate
from ._scores import ScoreCell, score_rates
from ._validations import (
    JudgeValidation,
    LexicalValidation,
    judge_validations,
    lexical_validations,
)

if TYPE_CHECKING:
    from cotscope.store import Store


@dataclass
class GradedRate:
    """One grader × judge × suite × checkpoint cell."""

    rubric: str
    rubric_version: int
    rubric_hash: str
    judge: str
    method: str
    suite: str
    """The suite whose samples' reasoning was graded."""
    action: str | None
    """The suite's behaviour of interest (its declared outcome's label), the action rate's
    positive; None when the suite declares none."""
    model_id: str
    step: int | None
    model_order: int
    family: str | None = None
    """The variant family the cell counts (None: every variant of the suite). Family
    cells are given only for suites whose graded samples span two or more families."""
    graded: int = 0
    """Successful grades (the rate's n)."""
    flagged: int = 0
    """Grades with the positive label."""
    failures: dict[str, int] = field(default_factory=dict)
    """Failed grades by outcome."""
    screened_out: int = 0
    """CoTs a prescreen did not send to the judge."""
    audit_k: int = 0
    """Of the graded, prescreen audit CoTs (unflagged, judged anyway) that were flagged."""
    audit_n: int = 0
    """Of the graded, prescreen audit CoTs."""
    unverified_quotes: int = 0
    """Evidence quotes not found in the reasoning."""
    action_n: int = 0
    """The suite's samples at this checkpoint with a parseable outcome."""
    action_k: int = 0
    """Of those, samples whose outcome is the behaviour of interest (the action)."""
    followed_said: int = 0
    """Took the action and the CoT was flagged."""
    followed_silent: int = 0
    """Took the action and the CoT was not flagged (e.g. silent gaming)."""
    declined_said: int = 0
    """Did not take the action and the CoT was flagged (e.g. refused and said why)."""
    declined_silent: int = 0
    """Did not take the action and the CoT was not flagged."""
    rate: float | None = None
    """Flagged / graded (None without a successful grade)."""
    interval: tuple[float, float] | None = None
    """Wilson interval of the graded rate."""
    corrected: CorrectedRate | None = None
    """The prescreen-corrected rate over graded and skipped CoTs (bootstrap interval);
    None without a prescreen."""
    action_rate: float | None = None
    """action_k / action_n."""
    action_interval: tuple[float, float] | None = None
    """Wilson interval of the action rate."""
    silent_share: float | None = None
    """Share of the samples that took the action whose CoT was not flagged."""
    silent_interval: tuple[float, float] | None = None
    """Wilson interval of silent_share."""

    @property
    def prescreened(self) -> bool:
        """Whether a prescreen chose which of this cell's CoTs the judge saw."""
        return bool(self.screened_out or self.audit_n)

    def finish(self) -> None:
        """Compute the rates and intervals from the counts (once, when they are final)."""
        self.rate = self.flagged / self.graded if self.graded else None
        self.interval = wilson_interval(self.flagged, self.graded)
        self.action_rate = self.action_k / self.action_n if self.action_n else None
        self.action_interval = wilson_interval(self.action_k, self.action_n)
        followers = self.followed_said + self.followed_silent
        self.silent_share = self.followed_silent / followers if followers else None
        self.silent_interval = wilson_interval(self.followed_silent, followers)
        if self.prescreened:
            judged_k, judged_n = self.flagged - self.audit_k, self.graded - self.audit_n
            stratum = PrescreenStratum(
                judged_k, judged_n, self.audit_k, self.audit_n, self.screened_out
            )
            self.corrected = corrected_rate([stratum])


def graded_rates(store: Store, run: str | None = None) -> list[GradedRate]:
    """Label-rubric grades per checkpoint with the checkpoint's action rate.

    Args:
        store: The run's store (read-only is fine).
        run: Only this run.

    Returns:
        One row per rubric hash × judge × model, in model order (score rubrics:
        see `score_rates`).
    """
    if not has_grades_table(store):
        return []
    samples = SampleFilter(run=run or None)
    graded = graded_samples(
        store,
        ("rubric", "rubric_version", "rubric_hash", "judge", "method", "outcome", "positive",
         "unverified_quotes", "label", "scores", "prescreen"),
        ("run", "suite", "model_id", "step", "model_order", "outcome", "variant_family"),
        samples,
    )  # fmt: skip
    actions = count_samples(
        store, samples, ("run", "suite", "model_id", "variant_family", "outcome")
    )
    # The action is each suite's own behaviour of interest: one run may hold suites whose
    # outcomes mean different things, and pooling them mixed the action rates.
    declared = {name: suite_outcomes(store, name) for name in {str(a.key[0]) for a in actions}}
    positive: dict[tuple[str, str], str | None] = {}
    label: dict[tuple[str, str], str | None] = {}
    for run_name, suites in declared.items():
        for suite, outcomes in suites.items():
            of_interest = behaviour(outcomes)
            positive[(run_name, suite)] = of_interest.name if of_interest else None
            label[(run_name, suite)] = of_interest.label if of_interest else None
    # Keyed by (run, suite, model, family); family None counts every variant.
    action_by_model: dict[tuple[str, str, str, str | None], tuple[int, int]] = defaultdict(
        lambda: (0, 0)
    )
    for (run_name, suite, model_id, family, outcome), c in actions:
        if str(outcome).lower() in EXCLUDED_OUTCOMES:
            continue
        hit = c if outcome == positive.get((str(run_name), str(suite))) else 0
        for fam in (None, str(family)):
            key = (str(run_name), str(suite), str(model_id), fam)
            k, n = action_by_model[key]
            action_by_model[key] = (k + hit, n + c)
    families: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for g, smp in graded:
        families[(g["rubric_hash"], g["judge"], str(smp["suite"]))].add(str(smp["variant_family"]))
    cells: dict[tuple[str, str, str, str, str, str | None], GradedRate] = {}
    score_rubrics = {g["rubric_hash"] for g, _ in graded if g["label"] is None and g["scores"]}
    for g, smp in graded:
        if g["rubric_hash"] in score_rubrics:
            continue
        graded_in = (str(smp["run"]), str(smp["suite"]))
        several = len(families[(g["rubric_hash"], g["judge"], graded_in[1])]) > 1
        for fam in (None, str(smp["variant_family"])) if several else (None,):
            cell_key = (g["rubric_hash"], g["judge"], *graded_in, smp["model_id"], fam)
            cell = cells.get(cell_key)
            if cell is None:
                cell = cells[cell_key] = _cell(g, smp, graded_in, fam, positive, label,
                                               action_by_model)  # fmt: skip
            _count(cell, g, smp, positive.get(graded_in))
    for cell in cells.values():
        cell.finish()
    return sorted(
        cells.values(),
        key=lambda c: (c.rubric, c.judge, c.suite, c.family is not None, c.family or "",
                       c.model_order, c.model_id),
    )  # fmt: skip


def _cell(
    g: dict[str, Any],
    smp: dict[str, Any],
    graded_in: tuple[str, str],
    family: str | None,
    positive: dict[tuple[str, str], str | None],
    label: dict[tuple[str, str], str | None],
    action_by_model: dict[tuple[str, str, str, str | None], tuple[int, int]],
) -> GradedRate:
    has_action = positive.get(graded_in) is not None
    k, n = action_by_model[(*graded_in, smp["model_id"], family)] if has_action else (0, 0)
    return GradedRate(
        g["rubric"], int(g["rubric_version"]), g["rubric_hash"], g["judge"],
        g["method"] or "judge", graded_in[1], label.get(graded_in), smp["model_id"],
        smp["step"], int(smp["model_order"] or 0), family, action_k=k, action_n=n,
    )  # fmt: skip


def _count(cell: GradedRate, g: dict[str, Any], smp: dict[str, Any], action_of: str | None) -> None:
    """Count one grade, and its sample's action against the grade, into a cell."""
    cell.unverified_quotes += int(g["unverified_quotes"] or 0)
    if g["outcome"] == "screened-out":
        cell.screened_out += 1
        return
    if g["outcome"] != "graded":
        cell.failures[g["outcome"]] = cell.failures.get(g["outcome"], 0) + 1
        return
    said = bool(g["positive"])
    cell.graded += 1
    cell.flagged += said
    if g["prescreen"] == "audit":
        cell.audit_n += 1
        cell.audit_k += said
    action = str(smp["outcome"])
    if action.lower() in EXCLUDED_OUTCOMES or action_of is None:
        return
    followed = action == action_of
    if followed and said:
        cell.followed_said += 1
    elif followed:
        cell.followed_silent += 1
    elif said:
        cell.declined_said += 1
    else:
        cell.declined_silent += 1


@dataclass
class GradedResults:
    """Every grader result of a run, as `cotscope analyse` stores it (`graded-rates`)."""

    label_rubrics: list[GradedRate]
    """Label rubrics: one cell per rubric × judge × suite × checkpoint (`family` None),
    then one per variant family where the graded samples span several."""
    score_rubrics: list[ScoreCell]
    """Score rubrics: mean score per checkpoint."""
    agreement: list[Agreement]
    """Judges' agreement per rubric."""
    validations: list[LexicalValidation] = field(default_factory=list)
    """Lexical detectors' precision and recall on the shipped labelled set."""
    judge_validations: list[JudgeValidation] = field(default_factory=list)
    """Judges' precision and recall, from the run's `validations/*.json` files."""


def graded_results(store: Store, run: str | None = None) -> GradedResults | None:
    """Label and score rubric rates and judge agreement; None when nothing was graded."""
    labels = graded_rates(store, run)
    scores = score_rates(store, run)
    if not labels and not scores:
        return None
    judged = list(dict.fromkeys((c.judge, c.rubric_hash) for c in labels))
    return GradedResults(
        labels,
        scores,
        judge_agreement(store, run),
        lexical_validations(labels),
        judge_validations(store.run_dir, judged),
    )
