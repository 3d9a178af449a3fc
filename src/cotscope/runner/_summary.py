"""The post-run summary: outcome rates per model/step and variant family, with n and intervals.

One table per suite, one column per outcome the suite has (its measures, as
`cotscope.stats` defines them). Rates are pooled over the family's samples among
parseable ones; unparseable and crashed samples are excluded from n and shown as
their own counts. (The report's headline family rate is the unweighted mean over
variants, with the pooled rate beside it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..stats import EXCLUDED_OUTCOMES, measures_for_labels, wilson_interval
from ..store import Store
from ..suites import OutcomeDef, get_suite

MAX_MEASURE_COLUMNS = 4
"""Outcome columns per suite table; further outcomes are in the report and `stats`."""


@dataclass(frozen=True)
class SummaryRow:
    """One (model, suite, family) cell of the summary."""

    model_id: str
    step: int | None
    model_order: int
    suite: str
    family: str
    n: int
    """Parseable samples: the denominator of every rate."""
    counts: dict[str, int]
    unparseable: int
    errors: int

    def rate(self, outcome: str) -> tuple[float, float, float] | None:
        """(rate, ci_low, ci_high) of an outcome over n, or None when n is 0."""
        k = sum(c for label, c in self.counts.items() if label.lower() == outcome.lower())
        ci = wilson_interval(k, self.n)
        return None if ci is None else (k / self.n, ci[0], ci[1])


def summarize(run_dir: str | Path) -> list[SummaryRow]:
    """Summary rows of a run directory, in model order then family order."""
    with Store(run_dir, read_only=True) as store:
        rows = store.query(
            "SELECT model_id, any_value(step) AS step, min(model_order) AS model_order, suite, "
            "variant_family AS family, outcome, count(*) AS k FROM samples "
            "GROUP BY model_id, suite, variant_family, outcome"
        )
        fam_order = {
            r["family"]: i
            for i, r in enumerate(
                store.query(
                    "SELECT family, min(rowid) AS first FROM variants "
                    "GROUP BY family ORDER BY first"
                )
            )
        }
    cells: dict[tuple[str, str, str], dict[str, int]] = {}
    info: dict[tuple[str, str, str], tuple[int | None, int]] = {}
    for r in rows:
        key = (r["model_id"], r["suite"], r["family"])
        cells.setdefault(key, {})[r["outcome"]] = int(r["k"])
        info[key] = (r["step"], int(r["model_order"] or 0))
    out = []
    for key, counts in cells.items():
        step, order = info[key]
        out.append(
            SummaryRow(
                model_id=key[0],
                step=step,
                model_order=order,
                suite=key[1],
                family=key[2],
                n=sum(c for o, c in counts.items() if o.lower() not in EXCLUDED_OUTCOMES),
                counts=counts,
                unparseable=counts.get("unparseable", 0),
                errors=counts.get("error", 0),
            )
        )
    out.sort(key=lambda s: (s.model_order, s.suite, fam_order.get(s.family, 1_000), s.family))
    return out


def _declared(suite: str) -> tuple[OutcomeDef, ...]:
    try:
        return get_suite(suite).outcomes
    except KeyError:
        return ()


def _fmt(cell: tuple[float, float, float] | None) -> str:
    if cell is None:
        return "no data"
    rate, low, high = cell
    return f"{rate * 100:5.1f}% [{low * 100:4.1f}, {high * 100:5.1f}]"


def render_summary(rows: list[SummaryRow]) -> str:
    """The summary as plain-text tables, one per suite (what `cotscope run` prints)."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    buf = StringIO()
    console = Console(file=buf, width=160, force_terminal=False)
    for suite in dict.fromkeys(r.suite for r in rows):
        suite_rows = [r for r in rows if r.suite == suite]
        labels = {label for r in suite_rows for label in r.counts}
        measures = measures_for_labels(labels, _declared(suite))[0][:MAX_MEASURE_COLUMNS]
        table = Table(
            title=f"{suite}: pooled rates, 95% Wilson intervals",
            caption="n = parseable samples; unparseable and errors are not in n",
        )
        # A suite with no parseable sample yet still shows where its rates would be.
        columns = [m.replace("-", " ") for m in measures] or ["rates"]
        for col in ("model", "step", "family", "n", *columns):
            table.add_column(col, justify="right" if col in ("step", "n") else "left")
        table.add_column("unparseable", justify="right")
        table.add_column("errors", justify="right")
        for r in suite_rows:
            table.add_row(
                r.model_id,
                "" if r.step is None else str(r.step),
                r.family,
                str(r.n),
                *((_fmt(r.rate(m)) for m in measures) if measures else ["no data"]),
                str(r.unparseable),
                str(r.errors),
            )
        console.print(table)
    return buf.getvalue()
