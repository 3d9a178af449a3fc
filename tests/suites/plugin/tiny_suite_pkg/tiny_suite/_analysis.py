"""The suite's own analysis: per checkpoint, how often each kind of fact is answered right.

`cotscope analyse` runs it (the suite declares it with `analysis=`), stores what it
returns under `suite:tiny_yesno`, and `cotscope stats --json` prints it.
"""

from __future__ import annotations

from pydantic import BaseModel

from cotscope.stats import RunStats, wilson_interval
from cotscope.store import SampleFilter, Store, count_samples

from . import SUITE

RIGHT_ANSWER = {"true-fact": "says-yes", "false-fact": "says-no"}
"""The outcome that is correct in each family."""


class Accuracy(BaseModel):
    """One checkpoint × family: correct answers among parseable ones."""

    model_id: str
    """The checkpoint."""
    family: str
    """`true-fact` or `false-fact`."""
    correct: int
    """Answers with the family's right outcome."""
    n: int
    """Parseable answers."""
    ci_low: float | None
    """Wilson 95% interval of correct / n (None without data)."""
    ci_high: float | None
    """Upper end of that interval."""


class TinyAnalysis(BaseModel):
    """Accuracy per checkpoint and family, in checkpoint order."""

    cells: list[Accuracy]
    """One entry per checkpoint × family."""


def analyse(store: Store, stats: RunStats) -> TinyAnalysis | None:
    """The run's accuracy cells; None when the run holds no tiny_yesno sample."""
    counts = count_samples(
        store,
        SampleFilter(run=stats.run, suites=(SUITE,), exclude_outcomes=("unparseable", "error")),
        ("model_id", "variant_family", "outcome"),
    )
    if not counts:
        return None
    tally: dict[tuple[str, str], list[int]] = {}
    for (model_id, family, outcome), n in counts:
        cell = tally.setdefault((str(model_id), str(family)), [0, 0])
        cell[0] += n if outcome == RIGHT_ANSWER.get(str(family)) else 0
        cell[1] += n
    cells = []
    for m in stats.models:
        for family in RIGHT_ANSWER:
            if (m.model_id, family) in tally:
                correct, n = tally[(m.model_id, family)]
                ci = wilson_interval(correct, n)
                low, high = ci if ci else (None, None)
                cells.append(Accuracy(model_id=m.model_id, family=family, correct=correct, n=n,
                                      ci_low=low, ci_high=high))  # fmt: skip
    return TinyAnalysis(cells=cells)
