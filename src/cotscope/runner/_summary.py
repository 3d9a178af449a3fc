"""The post-run summary: each family's rates per model/step, with n and intervals.

One table per suite, one column per measure the suite has (its outcomes, as
`cotscope.stats` names them). The rates are the statistics' own family rates, the
numbers `cotscope stats` and the report show: the unweighted mean of the family's
variant rates among parseable samples, with a bootstrap interval over variants (a
Wilson interval for a family of one variant, and for rollouts, whose prompts never
recur). n counts the family's parseable samples; unparseable and crashed samples
are excluded from n and shown as their own counts. A suite with no parseable sample
yet still lists its counts, with "no data" where its rates would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..stats import RunStats, collect_stats
from ..store import SampleFilter, Store, count_samples, family_order

MAX_MEASURE_COLUMNS = 4
"""Measure columns per suite table; further measures are in the report and `stats`."""

Rate = tuple[float, float, float]
"""(rate, ci_low, ci_high)."""


@dataclass(frozen=True)
class SummaryRow:
    """One (checkpoint, suite, family) cell of the summary."""

    model_id: str
    step: int | None
    model_order: int
    suite: str
    family: str
    n: int
    """Parseable samples: the denominator of every rate."""
    rates: dict[str, Rate | None]
    """Each of the suite's measures: the family rate and its interval (`RateRow` at
    family level), None when the family has no parseable sample here."""
    unparseable: int
    errors: int
    run_id: str = ""
    """The training run of the checkpoint (`''`: the default one)."""
    confidence: float = 0.95
    """Coverage of the intervals."""

    def rate(self, measure: str) -> Rate | None:
        """(rate, ci_low, ci_high) of a measure, or None when there is no data."""
        return self.rates.get(measure)


def summarize(
    run_dir: str | Path, run: str | None = None, stats: RunStats | None = None
) -> list[SummaryRow]:
    """Summary rows of a run, in checkpoint order, then suite, then family.

    Args:
        run_dir: The run directory.
        run: The run, when the store holds several.
        stats: The run's statistics (`cotscope.results.run_stats` reads the stored
            ones when they are current); None computes them (`collect_stats`).

    Returns:
        One row per checkpoint, suite and family with samples; empty for a store
        without samples.
    """
    with Store(run_dir, read_only=True) as store:
        if stats is None:
            if not count_samples(store, SampleFilter(run=run), ())[0].n:
                return []
            stats = collect_stats(store, run)
        counts = count_samples(
            store,
            SampleFilter(run=stats.run),
            ("run_id", "model_id", "suite", "variant_family", "outcome"),
        )
        fam_order = {family: i for i, family in enumerate(family_order(store))}
    cells: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for (run_id, model_id, suite, family, outcome), k in counts:
        cell = cells.setdefault((str(run_id), str(model_id), str(suite), str(family)), {})
        cell[str(outcome).lower()] = cell.get(str(outcome).lower(), 0) + k
    rates: dict[tuple[str, str, str, str, str], Rate | None] = {}
    for r in stats.rates:
        if r.level == "family" and r.family is not None:
            rate_key = (r.run_id, r.model_id, r.suite, r.family, r.measure)
            rates[rate_key] = (
                None if r.rate is None else (r.rate, r.ci_low or 0.0, r.ci_high or 0.0)
            )
    models = {m.key: (i, m) for i, m in enumerate(stats.models)}
    out = []
    for key, by_outcome in cells.items():
        position, m = models.get(key[:2], (len(models), None))
        excluded = by_outcome.get("unparseable", 0) + by_outcome.get("error", 0)
        out.append(
            (
                (position, key[2], fam_order.get(key[3], 1_000), key[3]),
                SummaryRow(
                    model_id=key[1],
                    step=m.step if m else None,
                    model_order=m.model_order if m else 0,
                    suite=key[2],
                    family=key[3],
                    n=sum(by_outcome.values()) - excluded,
                    rates={
                        measure: rates.get((*key, measure))
                        for measure in stats.measures.get(key[2], [])
                    },
                    unparseable=by_outcome.get("unparseable", 0),
                    errors=by_outcome.get("error", 0),
                    run_id=key[0],
                    confidence=stats.confidence,
                ),
            )
        )
    return [row for _, row in sorted(out, key=lambda item: item[0])]


def _fmt(cell: Rate | None) -> str:
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
    for suite in sorted(dict.fromkeys(r.suite for r in rows)):
        suite_rows = [r for r in rows if r.suite == suite]
        measures = list(suite_rows[0].rates)[:MAX_MEASURE_COLUMNS]
        coverage = f"{100 * suite_rows[0].confidence:g}%"
        table = Table(
            title=f"{suite}: family rates (mean over variants), {coverage} intervals",
            caption="n = parseable samples; unparseable and errors are not in n; "
            "the same rates as `cotscope stats` and the report",
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
