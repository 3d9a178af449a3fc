"""Terminal rendering of a `TermsResult` (rich tables); `--json` prints the model instead."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._models import Comparison, SuiteTerms, TermAtCheckpoint, TermReport, TermsResult

if TYPE_CHECKING:
    from rich.console import Console

MAX_KWIC_TERMS = 8
"""Terms per list whose KWIC lines are printed (all are in `--json`)."""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1e}" if value < 1e-3 else f"{value:.3f}"


def _where(step: int | None, model_id: str | None) -> str:
    if step is not None:
        return f"step {step}"
    return model_id or "–"


def _rate(value: float) -> str:
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def _cell(row: TermAtCheckpoint) -> str:
    share = _pct(row.share)
    if row.share_ci is not None:
        share += f" ({100 * row.share_ci[0]:.0f}–{100 * row.share_ci[1]:.0f})"
    rate = "–" if row.rate_per_1k is None else _rate(row.rate_per_1k)
    if row.rate_ci is not None:
        rate += f" ({_rate(row.rate_ci[0])}–{_rate(row.rate_ci[1])})"
    return f"{share}\n{rate}"


def _header(suite: SuiteTerms) -> str:
    return (
        f"[bold]suite {suite.title}[/]: {len(suite.checkpoints)} checkpoints, "
        f"{suite.n_cots:,} CoTs, {suite.n_words:,} words, {suite.vocabulary:,} distinct, "
        f"{suite.n_candidates:,} tested"
    )


def _emergent_table(title: str, reports: Sequence[TermReport]) -> object:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name in (
        "term",
        "first rise",
        "CoTs using it",
        "per 1k words",
        "δ after vs before",
        "trend p (Holm)",
    ):
        table.add_column(name)
    for r in reports:
        first, last = r.checkpoints[0], r.checkpoints[-1]
        table.add_row(
            r.term,
            _where(r.first_rise_step, r.first_rise_model_id),
            f"{_pct(first.share)} → {_pct(last.share)}",
            f"{_num(first.rate_per_1k)} → {_num(last.rate_per_1k)}",
            _num(r.effect_log_odds),
            _p(r.trend.p_holm if r.trend else None),
        )
    return table


def _overused_table(reports: Sequence[TermReport]) -> object:
    from rich.table import Table

    table = Table(title="Overused against human text (wordfreq)", title_justify="left")
    for name in ("term", "count", "CoTs", "in prompt", "per 1k", "human per 1k", "δ", "z"):
        table.add_column(name, justify="left" if name == "term" else "right")
    for r in reports:
        table.add_row(
            r.term + ("" if r.baseline_listed else " *"),
            f"{r.count:,}",
            f"{r.cots_with_term:,}",
            f"{r.cots_with_term_in_prompt:,}",
            _num(r.rate_per_1k),
            f"{1000 * r.baseline_frequency:.2g}",
            _num(r.log_odds_vs_baseline),
            _num(r.z_vs_baseline, 1),
        )
    table.caption = "* not in wordfreq: its floor frequency is used, so δ and z are lower bounds"
    return table


def _tracked_table(suite: SuiteTerms) -> tuple[object, list[str]]:
    from rich.table import Table

    table = Table(
        title="Tracked terms: share of CoTs (95% Wilson) / per 1,000 words (95% score, φ-widened)",
        title_justify="left",
    )
    table.add_column("term")
    for c in suite.checkpoints:
        table.add_column(_where(c.step, c.model_id), justify="right", overflow="fold")
    table.add_column("trend p (Holm)")
    table.add_column("first rise")
    unused = []
    for r in suite.tracked:
        if r.count == 0:
            unused.append(r.term)
            continue
        table.add_row(
            r.term,
            *(_cell(row) for row in r.checkpoints),
            _p(r.trend.p_holm if r.trend else None),
            _where(r.first_rise_step, r.first_rise_model_id) if r.first_rise_model_id else "–",
        )
    return table, unused


def _comparison_table(comparison: Comparison) -> object:
    from rich.table import Table

    a, b = comparison.a, comparison.b
    table = Table(
        title=(
            f"{_where(b.step, b.model_id)} against {_where(a.step, a.model_id)} "
            f"({comparison.n_compared:,} words compared; Fisher on CoTs, Holm)"
        ),
        title_justify="left",
    )
    for name in ("term", "count a→b", "CoTs a→b", "per 1k a→b", "δ", "z", "p (Holm)"):
        table.add_column(name)
    for t in [*comparison.more_in_b, *comparison.less_in_b]:
        table.add_row(
            t.term,
            f"{t.count_a} → {t.count_b}",
            f"{t.cots_a} → {t.cots_b}",
            f"{_num(t.rate_a_per_1k)} → {_num(t.rate_b_per_1k)}",
            _num(t.log_odds),
            _num(t.z, 1),
            _p(t.p_holm),
        )
    return table


def _kwic(console: Console, reports: Sequence[TermReport], seen: set[str]) -> None:
    from rich.markup import escape

    fresh = [r for r in reports if r.kwic and r.term not in seen][:MAX_KWIC_TERMS]
    seen.update(r.term for r in fresh)
    for r in fresh:
        judged = ""
        if (o := r.outside_scenario) is not None:
            ci = f" [{100 * o.share_ci[0]:.0f}–{100 * o.share_ci[1]:.0f}]" if o.share_ci else ""
            judged = (
                f"  [dim]outside the scenario: {o.outside}/{o.outside + o.inside}{ci}"
                f", {o.failed} failed[/]"
            )
        console.print(f"  [bold]{escape(r.term)}[/]{judged}")
        for line in r.kwic:
            where = _where(line.step, line.model_id)
            console.print(
                f"    {escape(where):>10}  …{escape(line.left)}[reverse]{escape(line.keyword)}[/]"
                f"{escape(line.right)}…",
                highlight=False,
                soft_wrap=True,
            )


def render(result: TermsResult, console: Console) -> None:
    """Print the result as tables and KWIC lines."""
    for suite in result.suites:
        console.rule(_header(suite))
        for note in suite.notes:
            console.print(f"[yellow]note:[/] {note}", highlight=False)
        if suite.emergent:
            console.print(
                _emergent_table("Emergent: near zero at first, rising later", suite.emergent)
            )
        elif len(suite.checkpoints) >= 2:
            console.print("No emergent terms (near zero at first, significantly rising later).")
        if suite.rising:
            console.print(_emergent_table("Rising (in use from the start)", suite.rising))
        if suite.overused:
            console.print(_overused_table(suite.overused))
        if suite.comparison is not None:
            console.print(_comparison_table(suite.comparison))
        table, unused = _tracked_table(suite)
        if len(unused) < len(suite.tracked):
            console.print(table)
        if unused:
            console.print(f"Tracked but never used: {', '.join(unused)}", highlight=False)
        used_tracked = [r for r in suite.tracked if r.count]
        if any(r.kwic for r in [*suite.emergent, *used_tracked, *suite.overused]):
            console.print("[bold]In context[/] (sampled uses, latest checkpoint first)")
            seen: set[str] = set()
            _kwic(console, suite.emergent, seen)
            _kwic(console, used_tracked, seen)
            _kwic(console, suite.overused, seen)
    console.print(f"[dim]outside-scenario share: {result.outside_scenario_status}[/]")
