"""The post-run summary: outcome rates per model/step and variant family, with n and intervals.

Rates are over parseable samples (follows-hint + follows-instruction + other);
unparseable and crashed samples are excluded from n and shown as their own counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..stats import wilson_interval
from ..store import Store

PARSEABLE = ("follows-hint", "follows-instruction", "other")


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
        k = self.counts.get(outcome, 0)
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
                n=sum(counts.get(o, 0) for o in PARSEABLE),
                counts=counts,
                unparseable=counts.get("unparseable", 0),
                errors=counts.get("error", 0),
            )
        )
    out.sort(key=lambda s: (s.model_order, s.suite, fam_order.get(s.family, 1_000), s.family))
    return out


def _fmt(cell: tuple[float, float, float] | None) -> str:
    if cell is None:
        return "no data"
    rate, low, high = cell
    return f"{rate * 100:5.1f}% [{low * 100:4.1f}, {high * 100:5.1f}]"


def render_summary(rows: list[SummaryRow]) -> str:
    """The summary as a plain-text table (what `cotscope run` prints)."""
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="Outcome rates over parseable samples (95% Wilson intervals)",
        caption="n = parseable samples; unparseable and errors are not in n",
    )
    for col in ("model", "step", "suite", "family", "n", "follows hint", "follows instr.", "other"):
        table.add_column(col, justify="right" if col in ("step", "n") else "left")
    table.add_column("unparseable", justify="right")
    table.add_column("errors", justify="right")
    for r in rows:
        table.add_row(
            r.model_id,
            "" if r.step is None else str(r.step),
            r.suite,
            r.family,
            str(r.n),
            _fmt(r.rate("follows-hint")),
            _fmt(r.rate("follows-instruction")),
            _fmt(r.rate("other")),
            str(r.unparseable),
            str(r.errors),
        )
    buf = StringIO()
    Console(file=buf, width=160, force_terminal=False).print(table)
    return buf.getvalue()
