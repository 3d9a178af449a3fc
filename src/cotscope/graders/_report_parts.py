"""Parts of the graders report section: score rubrics and judge agreement.

Rendering only; the numbers come from `score_rates` and `judge_agreement`.
"""

from __future__ import annotations

from collections import defaultdict

from ..report import Markup, el, join, table
from ._panel import Agreement
from ._scores import ScoreCell

STATISTIC_NAMES = {"cohen_kappa": "Cohen's κ", "krippendorff_alpha": "Krippendorff's α"}


def _failed(failures: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "0"


def score_blocks(cells: list[ScoreCell]) -> list[Markup]:
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
                         dist, _failed(c.failures)])  # fmt: skip
        facts = [
            f"rubric {first.rubric} v{first.rubric_version} ({first.rubric_hash[:12]})",
            f"judge {first.judge}",
            "failed grades: " + (_failed(failed) if failed else "none"),
        ]
        out.append(join([
            el("h3", f"{first.rubric} — {first.judge} (scores)"),
            el("ul", *(el("li", f) for f in facts), class_="small"),
            table(["model", "step", "scale", "mean score [95% bootstrap over CoTs] (n)",
                   "distribution (CoT score, rounded: count)", "failed"], rows),
        ]))  # fmt: skip
    return out


def agreement_block(rows: list[Agreement]) -> Markup | None:
    """Agreement between judges per rubric (and scale), with n; None with a single judge."""
    if not rows:
        return None
    body = []
    for a in rows:
        value = "n/a (fewer than 2 items)" if a.value is None else f"{a.value:.3f}"
        observed = "" if a.observed is None else f"{100 * a.observed:.1f}%"
        body.append([f"{a.rubric} ({a.rubric_hash[:12]})", a.scale or "label",
                     " vs ".join(a.judges) if len(a.judges) == 2
                     else f"all {len(a.judges)}: " + ", ".join(a.judges),
                     STATISTIC_NAMES[a.statistic], value, a.n, observed])  # fmt: skip
    return join([
        el("h3", "Agreement between judges"),
        el("p", "Judges that graded the same CoTs with the same rubric. n counts CoTs graded "
           "by at least two of them (both, for κ); failed grades are missing values, not "
           "'no'. Labels are nominal; scores are compared on the interval level.",
           class_="muted small"),
        table(["grader", "scale", "judges", "statistic", "value", "n", "exact agreement"],
              body),
    ])  # fmt: skip
