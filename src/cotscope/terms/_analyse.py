"""`analyse_terms`: one streaming count, the statistics per suite, one context pass.

A dense training log is first grouped into bins of steps (`_bins`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from .._version import __version__
from ..stats import holm_adjust, wilson_interval
from ..store import Store
from ._baseline import HumanBaseline
from ._bins import checkpoint_bins, rebinned
from ._context import Context, ContextCollector, collect_context, deal_lines
from ._counts import (
    CheckpointCounts,
    CotShapes,
    by_series,
    count_reasoning,
    pool,
    read_rows,
    x_axis,
)
from ._emergence import Trend, candidates, has_letter, test_trends
from ._logodds import between, vs_baseline
from ._models import (
    Checkpoint,
    ComparedTerm,
    Comparison,
    Provenance,
    RiseTest,
    SuiteTerms,
    TermAtCheckpoint,
    TermReport,
    TermsOptions,
    TermsResult,
    TrendTest,
)
from ._stats import dispersion, fisher_two_sided, normal_upper, rate_interval
from ._tracked import TermList, TrackedTerm, load_term_file

Forms = tuple[str, ...]
Family = Literal["vocabulary", "tracked"]
TOKENIZER = "wordfreq.lossy_tokenize(text, 'en'), exact (ASCII fast path verified against it)"


def _checkpoint(c: CheckpointCounts) -> Checkpoint:
    return Checkpoint(
        model_id=c.model_id,
        step=c.step,
        model_order=c.model_order,
        n_samples=c.n_samples,
        n_cots=c.n_cots,
        n_words=c.n_words,
    )


def _rate(count: int, words: int) -> float | None:
    return 1000 * count / words if words else None


class _Suite:
    """The per-suite computations, sharing the baseline and options."""

    def __init__(
        self,
        name: str,
        checkpoints: list[CheckpointCounts],
        baseline: HumanBaseline,
        options: TermsOptions,
        run_id: str = "",
    ) -> None:
        self.name = name
        self.run_id = run_id
        self.options = options
        self.baseline = baseline
        self.notes: list[str] = []
        for c in checkpoints:
            if c.n_cots == 0:
                self.notes.append(
                    f"{c.label}: {c.n_samples} samples, none with reasoning; left out"
                )
        self.active = [c for c in checkpoints if c.n_cots > 0]
        self.pooled = pool(self.active, name, "*")

    def term_report(
        self, name: str, forms: Forms, trend: Trend | None, family: Family | None
    ) -> TermReport:
        """A term's suite totals, per-checkpoint use and comparisons with human text."""
        b = self.baseline
        freq = b.forms_frequency(forms)
        a0 = self.options.prior_strength
        rows = []
        for c in self.active:
            count, docs = c.count_of(forms), c.docs_of(forms)
            odds = vs_baseline(count, c.n_words, freq, b, a0) if c.n_words else None
            rows.append(
                TermAtCheckpoint(
                    model_id=c.model_id,
                    step=c.step,
                    count=count,
                    cots_with_term=docs,
                    n_cots=c.n_cots,
                    share=docs / c.n_cots,
                    share_ci=wilson_interval(docs, c.n_cots),
                    rate_per_1k=_rate(count, c.n_words),
                    rate_ci=rate_interval(count, c.n_words),
                    dispersion=None,
                    log_odds_vs_baseline=odds.delta if odds else None,
                    z_vs_baseline=odds.z if odds else None,
                )
            )
        p = self.pooled
        total = p.count_of(forms)
        odds = vs_baseline(total, p.n_words, freq, b, a0) if p.n_words else None
        report = TermReport(
            term=name,
            forms=list(forms),
            baseline_frequency=freq,
            baseline_listed=any(b.is_listed(f) for f in forms),
            count=total,
            cots_with_term=p.docs_of(forms),
            cots_with_term_in_prompt=p.echoes_of(forms),
            rate_per_1k=_rate(total, p.n_words),
            log_odds_vs_baseline=odds.delta if odds else None,
            z_vs_baseline=odds.z if odds else None,
            checkpoints=rows,
        )
        if trend is not None:
            self._add_trend(report, trend, family)
        return report

    def _add_trend(self, report: TermReport, trend: Trend, family: Family | None) -> None:
        report.trend = TrendTest(
            z=trend.z,
            p_value=trend.p_value,
            p_holm=trend.p_holm,
            family=family or "vocabulary",
            family_size=trend.n_tested,
        )
        later = self.active[1:]
        report.rise_tests = [
            RiseTest(model_id=c.model_id, step=c.step, p_value=p, p_holm=q)
            for c, p, q in zip(later, trend.rise_p, trend.rise_p_holm, strict=False)
        ]
        if trend.first_rise is not None:
            rise = self.active[trend.first_rise]
            report.first_rise_step, report.first_rise_model_id = rise.step, rise.model_id
        if trend.effect is not None:
            report.effect_log_odds, report.effect_z = trend.effect.delta, trend.effect.z

    def overused(self, words: Sequence[str]) -> list[TermReport]:
        b, p, a0 = self.baseline, self.pooled, self.options.prior_strength
        own = [w for w in words if p.echo_docs[w] <= self.options.max_prompt_share * p.docs[w]]
        if len(own) < len(words):
            self.notes.append(
                f"{len(words) - len(own)} words left out of the overused list: most CoTs using "
                "them have them in their prompt"
            )
        words = own
        scored = [(w, vs_baseline(p.counts[w], p.n_words, b.frequency(w), b, a0)) for w in words]
        adjusted = holm_adjust([normal_upper(odds.z) for _, odds in scored])
        keep = [
            (w, odds)
            for (w, odds), q in zip(scored, adjusted, strict=True)
            if q < self.options.alpha and odds.delta > 0
        ]
        keep.sort(key=lambda item: item[1].low(), reverse=True)
        return [self.term_report(w, (w,), None, None) for w, _ in keep[: self.options.top]]

    def trends(self, words: Sequence[str]) -> tuple[list[TermReport], list[TermReport]]:
        o = self.options
        found = test_trends(
            self.active, [(w,) for w in words], o.alpha, o.near_zero_per_1k, o.prior_strength
        )
        risen = [t for t in found.values() if t.first_rise is not None and t.effect is not None]
        unplaced = sum(
            1 for t in found.values() if t.p_holm < o.alpha and t.z > 0 and t.first_rise is None
        )
        if unplaced:
            self.notes.append(
                f"{unplaced} words trend upward significantly but no single checkpoint is "
                "significantly above the first; not listed"
            )
        risen.sort(key=lambda t: t.effect.delta if t.effect else 0.0, reverse=True)
        emergent = [t for t in risen if t.near_zero_start][: o.top]
        rising = [t for t in risen if not t.near_zero_start][: o.top]
        return (
            [self.term_report(t.forms[0], t.forms, t, "vocabulary") for t in emergent],
            [self.term_report(t.forms[0], t.forms, t, "vocabulary") for t in rising],
        )

    def tracked(self, terms: Sequence[TrackedTerm]) -> list[TermReport]:
        o = self.options
        found = test_trends(
            self.active, [t.forms for t in terms], o.alpha, o.near_zero_per_1k, o.prior_strength
        )
        return [self.term_report(t.term, t.forms, found.get(t.forms), "tracked") for t in terms]

    def select(self, selector: str) -> CheckpointCounts | None:
        kind, _, value = selector.partition(":")
        for c in self.active:
            if (
                (kind == "step" and c.step is not None and str(c.step) == value)
                or (kind == "model" and c.model_id == value)
                or (kind == "order" and str(c.model_order) == value)
                or (not value and c.model_id == selector)
            ):
                return c
        return None

    def compare(self, sel_a: str, sel_b: str) -> Comparison | None:
        a, b = self.select(sel_a), self.select(sel_b)
        if a is None or b is None:
            missing = sel_a if a is None else sel_b
            self.notes.append(
                f"--compare: no checkpoint with CoTs matches {missing!r} in this suite"
            )
            return None
        o = self.options
        words = [
            w
            for w in set(a.docs) | set(b.docs)
            if a.docs.get(w, 0) + b.docs.get(w, 0) >= o.min_cots and has_letter(w)
        ]
        scored = []
        for w in words:
            odds = between(
                b.counts.get(w, 0), b.n_words, a.counts.get(w, 0), a.n_words, o.prior_strength
            )
            if odds is not None:
                scored.append((w, odds))
        raw = [
            fisher_two_sided(b.docs.get(w, 0), b.n_cots, a.docs.get(w, 0), a.n_cots)
            for w, _ in scored
        ]
        adjusted = holm_adjust(raw)
        rows = []
        for (w, odds), p, q in zip(scored, raw, adjusted, strict=True):
            if q < o.alpha:
                rows.append(
                    (
                        odds,
                        ComparedTerm(
                            term=w,
                            count_a=a.counts.get(w, 0),
                            count_b=b.counts.get(w, 0),
                            cots_a=a.docs.get(w, 0),
                            cots_b=b.docs.get(w, 0),
                            rate_a_per_1k=_rate(a.counts.get(w, 0), a.n_words),
                            rate_b_per_1k=_rate(b.counts.get(w, 0), b.n_words),
                            log_odds=odds.delta,
                            z=odds.z,
                            p_value=p,
                            p_holm=q,
                        ),
                    )
                )
        up = sorted((r for r in rows if r[0].delta > 0), key=lambda r: r[0].low(), reverse=True)
        down = sorted(
            (r for r in rows if r[0].delta < 0),
            key=lambda r: r[0].delta + 1.959963984540054 * math.sqrt(r[0].variance),
        )
        return Comparison(
            a=_checkpoint(a),
            b=_checkpoint(b),
            n_compared=len(scored),
            more_in_b=[r[1] for r in up[: o.top]],
            less_in_b=[r[1] for r in down[: o.top]],
        )

    def apply_context(self, result: SuiteTerms, context: Context) -> None:
        """Widen rate intervals by the measured dispersion and attach KWIC lines."""
        for report in (*result.overused, *result.emergent, *result.rising, *result.tracked):
            forms = tuple(report.forms)
            for row, c in zip(report.checkpoints, self.active, strict=True):
                slot = ((c.suite, c.run_id, c.model_id), forms)
                phi = dispersion(
                    context.sum_sq.get(slot, 0.0), row.count, c.n_words, c.n_cots_with_words
                )
                row.dispersion = phi
                row.rate_ci = rate_interval(row.count, c.n_words, phi)
            latest_first = [
                context.lines.get(((c.suite, c.run_id, c.model_id), forms), [])
                for c in reversed(self.active)
            ]
            report.kwic = deal_lines(latest_first, self.options.kwic)

    def analyse(self, tracked: Sequence[TrackedTerm]) -> SuiteTerms:
        o = self.options
        words = candidates(self.pooled, o.min_cots)
        if len(self.active) < 2:
            self.notes.append("fewer than two checkpoints with CoTs: no trend or emergence")
            emergent: list[TermReport] = []
            rising: list[TermReport] = []
        else:
            emergent, rising = self.trends(words)
        return SuiteTerms(
            suite=self.name,
            run_id=self.run_id,
            x_axis="step" if x_axis(self.active) == "step" else "model_order",
            checkpoints=[_checkpoint(c) for c in self.active],
            n_cots=self.pooled.n_cots,
            n_words=self.pooled.n_words,
            vocabulary=len(self.pooled.counts),
            n_candidates=len(words),
            overused=self.overused(words),
            emergent=emergent,
            rising=rising,
            tracked=self.tracked(tracked),
            comparison=self.compare(*o.compare) if o.compare else None,
            notes=self.notes,
        )


def resolve_tracked(options: TermsOptions) -> tuple[TermList, list[TrackedTerm]]:
    """The tracked-term list in force: the user's terms, or the (default) file's."""
    file_list = load_term_file(Path(options.terms_file) if options.terms_file else None)
    if options.track is None:
        return file_list, file_list.terms
    known = {t.term: t for t in file_list.terms}
    terms = []
    for forms in options.track:
        if len(forms) == 1 and forms[0] in known:
            terms.append(known[forms[0]])
        else:
            terms.append(TrackedTerm(term=forms[0], forms=tuple(forms)))
    return file_list, terms


def reports_of(suite: SuiteTerms) -> list[TermReport]:
    """Every term report of a suite (overused, emergent, rising, tracked)."""
    return [*suite.overused, *suite.emergent, *suite.rising, *suite.tracked]


def analyse_terms(
    store: Store, options: TermsOptions | None = None, run_dir: str = ""
) -> TermsResult:
    """Count, test and contextualise the vocabulary of a run's reasoning.

    Two streaming passes over the store: one counts every word per checkpoint and
    suite (and gathers KWIC lines and per-CoT dispersion for tracked terms), one
    gathers the same for the terms the analysis found, visiting only the CoTs that
    contain them.

    Args:
        store: The run's store (read-only is enough).
        options: Analysis options; defaults when None.
        run_dir: Recorded in the result.

    Returns:
        The result (`--json` prints it).
    """
    options = options or TermsOptions()
    term_list, tracked = resolve_tracked(options)
    baseline = HumanBaseline(options.baseline_size)
    known = ContextCollector([t.forms for t in tracked], options.kwic, options.kwic_width)
    shapes = CotShapes()
    bins = checkpoint_bins(store)
    total = store.count()
    share = (
        1.0 if options.max_cots is None or total <= options.max_cots else (options.max_cots / total)
    )

    def rows() -> Iterator[dict[str, Any]]:
        read = read_rows(store, share=share)
        return read if bins is None else rebinned(read, bins)

    groups = count_reasoning(
        rows(), options.suites, options.pool_suites, known.terms, known, shapes
    )
    suites = [
        _Suite(name, cps, baseline, options, run_id)
        for (name, run_id), cps in by_series(groups).items()
    ]
    results = [s.analyse(tracked) for s in suites]
    context = known.result()
    found = sorted({tuple(r.forms) for res in results for r in reports_of(res)} - set(known.terms))
    if found:
        later = ContextCollector(found, options.kwic, options.kwic_width)
        collect_context(rows(), later, options.suites, options.pool_suites, shapes)
        later.result(context)
    for suite, result in zip(suites, results, strict=True):
        suite.apply_context(result, context)
    return TermsResult(
        run_dir=run_dir,
        options=options,
        provenance=Provenance(
            cotscope_version=__version__,
            tokenizer=TOKENIZER,
            baseline=baseline.describe(),
            prior_strength=options.prior_strength,
            tracked_terms_source="user" if options.track is not None else term_list.source,
            tracked_terms_version=None if options.track is not None else term_list.version,
            tracked_terms_sha256=None if options.track is not None else term_list.sha256,
        ),
        suites=results,
        checkpoint_bins=None if bins is None else len(set(bins.values())),
        sampled_share=None if share >= 1.0 else share,
    )
