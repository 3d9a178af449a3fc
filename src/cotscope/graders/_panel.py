"""Agreement between judges of a panel, from the stored grades.

Failed grades are missing values, never a "no": κ uses the items both judges
graded, α every item graded by at least two judges. Label rubrics are nominal;
score rubrics are compared per scale on the interval level.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal

from cotscope.store import (
    GradeFilter,
    SampleFilter,
    graded_samples,
    has_grades_table,
    read_grades,
)

from ._agreement import cohen_kappa, krippendorff_alpha

if TYPE_CHECKING:
    from cotscope.store import Store

    from ._rubric import Rubric


def panel_agreement(
    store: Store, rubric: Rubric, judge_keys: list[str], uids: set[str] | None = None
) -> dict[str, float | None]:
    """Agreement of a panel's judges on the samples they graded (failures are missing).

    Args:
        store: The run's store.
        rubric: The rubric.
        judge_keys: The panel's judge keys (fewer than two: no agreement).
        uids: Restrict to these samples.

    Returns:
        `cohen_kappa` for two judges, `krippendorff_alpha` for two or more, and `n_items`.
    """
    if len(judge_keys) < 2:
        return {}
    values: dict[str, dict[str, Any]] = {}
    for g in read_grades(store, rubric_hash=rubric.sha256):
        if (
            g.judge in judge_keys
            and g.outcome == "graded"
            and (uids is None or g.sample_uid in uids)
        ):
            value: Any = g.label if rubric.kind == "label" else next(iter(g.scores.values()), None)
            values.setdefault(g.sample_uid, {})[g.judge] = value
    units = [[v.get(k) for k in judge_keys] for v in values.values()]
    level: Literal["nominal", "interval"] = "nominal" if rubric.kind == "label" else "interval"
    out: dict[str, float | None] = {
        "krippendorff_alpha": krippendorff_alpha(units, level),
        "n_items": float(sum(sum(x is not None for x in u) >= 2 for u in units)),
    }
    if len(judge_keys) == 2 and rubric.kind == "label":
        out["cohen_kappa"] = cohen_kappa([u[0] for u in units], [u[1] for u in units])
    return out


@dataclass(frozen=True)
class Agreement:
    """Agreement of two or more judges on one rubric (one scale of a score rubric)."""

    rubric: str
    """Rubric name."""
    rubric_hash: str
    """Rubric file hash."""
    scale: str | None
    """Score scale compared, or None for a label rubric."""
    judges: tuple[str, ...]
    """Judge keys compared."""
    statistic: Literal["cohen_kappa", "krippendorff_alpha"]
    """Which coefficient."""
    value: float | None
    """The coefficient; None with fewer than two comparable items."""
    n: int
    """Items graded by at least two of these judges (both, for κ)."""
    observed: float | None
    """Share of those items on which all their judges agree exactly (label rubrics)."""


def _rows(store: Store, run: str | None) -> list[dict[str, Any]]:
    rows = graded_samples(
        store,
        ("sample_uid", "rubric", "rubric_hash", "judge", "label", "scores"),
        (),
        SampleFilter(run=run or None),
        GradeFilter(method="judge", outcome="graded"),
    )
    return [grade for grade, _ in rows]


def _compare(
    rubric: str, rubric_hash: str, scale: str | None, values: dict[str, dict[str, Any]]
) -> list[Agreement]:
    judges = sorted({j for v in values.values() for j in v})
    level: Literal["nominal", "interval"] = "nominal" if scale is None else "interval"
    out = []
    groups = [tuple(p) for p in combinations(judges, 2)]
    if len(judges) > 2:
        groups.append(tuple(judges))
    for group in groups:
        units = [[v.get(j) for j in group] for v in values.values()]
        units = [u for u in units if sum(x is not None for x in u) >= 2]
        same = [len({x for x in u if x is not None}) == 1 for u in units]
        observed = sum(same) / len(same) if same and scale is None else None
        if len(group) == 2 and scale is None:
            kappa = cohen_kappa([u[0] for u in units], [u[1] for u in units])
            out.append(Agreement(rubric, rubric_hash, scale, group, "cohen_kappa", kappa,
                                 len(units), observed))  # fmt: skip
        alpha = krippendorff_alpha(units, level)
        out.append(Agreement(rubric, rubric_hash, scale, group, "krippendorff_alpha", alpha,
                             len(units), observed))  # fmt: skip
    return out


def judge_agreement(store: Store, run: str | None = None) -> list[Agreement]:
    """Agreement of every pair of judges (and of all, for three or more) per rubric.

    Any judges that graded the same samples with the same rubric hash are compared,
    whether or not they were run as one `--panel`.

    Args:
        store: The run's store (read-only is fine).
        run: Only samples of this run.

    Returns:
        Cohen's κ (label rubrics, pairs) and Krippendorff's α per judge group, with n.
    """
    if not has_grades_table(store):
        return []
    # (rubric hash, scale) -> sample -> judge -> value
    cells: dict[tuple[str, str, str | None], dict[str, dict[str, Any]]] = {}
    for r in _rows(store, run):
        scores = r["scores"] or {}  # parsed by the store
        if r["label"] is not None:
            items: list[tuple[str | None, Any]] = [(None, r["label"])]
        else:
            items = [(k, float(v)) for k, v in scores.items()]
        for scale, value in items:
            key = (r["rubric"], r["rubric_hash"], scale)
            cells.setdefault(key, {}).setdefault(r["sample_uid"], {})[r["judge"]] = value
    out: list[Agreement] = []
    for (rubric, rubric_hash, scale), values in sorted(cells.items(), key=lambda kv: str(kv[0])):
        if len({j for v in values.values() for j in v}) >= 2:
            out.extend(_compare(rubric, rubric_hash, scale, values))
    return out
