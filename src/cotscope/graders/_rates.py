"""Graded rates per checkpoint next to action rates, and action × verbalization tables.

These are the numbers the report shows; they are computed here, by the measure,
from the `samples` and `grades` tables. A rate's n counts successful grades only;
failures and prescreen skips are counted beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cotscope.stats import EXCLUDED_OUTCOMES, wilson_interval

from ._prescreen import CorrectedRate, PrescreenStratum, corrected_rate
from ._store import has_grades_table

if TYPE_CHECKING:
    from cotscope.store import Store

ACTION_POSITIVE = ("follows-hint", "true")
"""Sample outcomes counted as the action (following the hint) in the action rate."""


@dataclass
class GradedRate:
    """One grader × judge × checkpoint cell."""

    rubric: str
    rubric_version: int
    rubric_hash: str
    judge: str
    method: str
    model_id: str
    step: int | None
    model_order: int
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
    """Samples with a parseable outcome."""
    action_k: int = 0
    """Of those, samples that took the action (followed the hint)."""
    followed_said: int = 0
    """Followed the hint and the CoT was flagged."""
    followed_silent: int = 0
    """Followed the hint and the CoT was not flagged (silent gaming)."""
    declined_said: int = 0
    """Did not follow the hint and the CoT was flagged (e.g. refused and said why)."""
    declined_silent: int = 0
    """Did not follow the hint and the CoT was not flagged."""

    @property
    def rate(self) -> float | None:
        """Flagged / graded."""
        return self.flagged / self.graded if self.graded else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Wilson interval of the graded rate."""
        return wilson_interval(self.flagged, self.graded)

    @property
    def prescreened(self) -> bool:
        """Whether a prescreen chose which of this cell's CoTs the judge saw."""
        return bool(self.screened_out or self.audit_n)

    @property
    def corrected(self) -> CorrectedRate | None:
        """Prescreen-corrected rate over graded and skipped CoTs; None without a prescreen."""
        if not self.prescreened:
            return None
        judged_k, judged_n = self.flagged - self.audit_k, self.graded - self.audit_n
        return corrected_rate(
            [PrescreenStratum(judged_k, judged_n, self.audit_k, self.audit_n, self.screened_out)]
        )

    @property
    def action_rate(self) -> float | None:
        """action_k / action_n."""
        return self.action_k / self.action_n if self.action_n else None

    @property
    def action_interval(self) -> tuple[float, float] | None:
        """Wilson interval of the action rate."""
        return wilson_interval(self.action_k, self.action_n)

    @property
    def silent_share(self) -> float | None:
        """Share of hint-followers whose CoT was not flagged."""
        n = self.followed_said + self.followed_silent
        return self.followed_silent / n if n else None

    @property
    def silent_interval(self) -> tuple[float, float] | None:
        """Wilson interval of silent_share."""
        return wilson_interval(self.followed_silent, self.followed_said + self.followed_silent)


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
    where = "WHERE s.run = ?" if run else ""
    params = [run] if run else []
    rows = store.query(
        "SELECT g.rubric, g.rubric_version, g.rubric_hash, g.judge, g.method, g.outcome, "
        "g.positive, g.unverified_quotes, g.label, g.scores, g.prescreen, s.model_id, s.step, "
        "s.model_order, s.outcome AS action FROM grades g JOIN samples s USING (sample_uid) "
        f"{where}",
        params,
    )
    actions = store.query(
        "SELECT model_id, outcome, count(*) AS c FROM samples "
        + ("WHERE run = ? " if run else "")
        + "GROUP BY model_id, outcome",
        params,
    )
    action_by_model: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for a in actions:
        if str(a["outcome"]).lower() in EXCLUDED_OUTCOMES:
            continue
        k, n = action_by_model[a["model_id"]]
        hit = int(a["c"]) if str(a["outcome"]).lower() in ACTION_POSITIVE else 0
        action_by_model[a["model_id"]] = (k + hit, n + int(a["c"]))
    cells: dict[tuple[str, str, str], GradedRate] = {}
    score_rubrics = {r["rubric_hash"] for r in rows if r["label"] is None and r["scores"] not in
                     (None, "{}", {})}  # fmt: skip
    for r in rows:
        if r["rubric_hash"] in score_rubrics:
            continue
        key = (r["rubric_hash"], r["judge"], r["model_id"])
        cell = cells.get(key)
        if cell is None:
            k, n = action_by_model[r["model_id"]]
            cell = cells[key] = GradedRate(
                r["rubric"], int(r["rubric_version"]), r["rubric_hash"], r["judge"],
                r["method"] or "judge", r["model_id"], r["step"], int(r["model_order"] or 0),
                action_k=k, action_n=n,
            )  # fmt: skip
        cell.unverified_quotes += int(r["unverified_quotes"] or 0)
        if r["outcome"] == "screened-out":
            cell.screened_out += 1
            continue
        if r["outcome"] != "graded":
            cell.failures[r["outcome"]] = cell.failures.get(r["outcome"], 0) + 1
            continue
        said = bool(r["positive"])
        cell.graded += 1
        cell.flagged += said
        if r["prescreen"] == "audit":
            cell.audit_n += 1
            cell.audit_k += said
        action = str(r["action"]).lower()
        if action in EXCLUDED_OUTCOMES:
            continue
        followed = action in ACTION_POSITIVE
        if followed and said:
            cell.followed_said += 1
        elif followed:
            cell.followed_silent += 1
        elif said:
            cell.declined_said += 1
        else:
            cell.declined_silent += 1
    return sorted(cells.values(), key=lambda c: (c.rubric, c.judge, c.model_order, c.model_id))
