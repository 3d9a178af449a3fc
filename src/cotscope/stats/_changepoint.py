"""Where a rate changes over training: change points of a binomial rate across steps.

The data are counts per step: `k` samples with the outcome among `n` at each
distinct training step (a step with n = 0 carries no information and is dropped).

- **One change** (`single_change`): an exact search over every split between two
  consecutive steps for the split that maximises the two-rate binomial likelihood.
  The *location interval* is a parametric bootstrap: counts are redrawn from the
  fitted two-rate model, the split is searched again, and the central `confidence`
  share of the re-estimated splits is reported (Hinkley 1970's problem; the
  bootstrap is the standard answer when no closed form exists). Whether there is a
  change at all is tested by the likelihood ratio of the best split against one
  rate, its null distribution drawn by the same parametric bootstrap under the
  pooled rate (the maximum over splits makes the usual chi-squared reference wrong).
- **Several changes** (`multiple_changes`): the segmentation that minimises the
  binomial deviance plus a penalty per change, found exactly by PELT (Killick et
  al. 2012) from the `ruptures` library with a binomial cost. The default penalty
  is BIC's: each change adds a location and a rate, 2 log N on the deviance scale
  for N samples.

Rates on either side come with Wilson intervals, as everywhere in cotscope.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, PrivateAttr

from ._intervals import wilson_interval

DEFAULT_BOOTSTRAP = 1000
MIN_BOOTSTRAP = 200
BOOTSTRAP_CELLS = 2_000_000
"""Draws × steps of `single_change`'s default bootstrap beyond 2,000 steps (then fewer
draws: time and memory grow with the product; 200 draws gave the same coverage and
power as 1,000 in the simulation study, docs/statistics.md)."""
DEFAULT_SEED = 0


class Segment(BaseModel):
    """A run of consecutive steps with one rate."""

    first_step: float
    """First step of the segment."""
    last_step: float
    """Last step of the segment."""
    k: int
    """Samples with the outcome in the segment."""
    n: int
    """Samples in the segment."""
    rate: float
    """k / n."""
    ci_low: float
    """Lower end of the rate's Wilson interval."""
    ci_high: float
    """Upper end of the rate's Wilson interval."""


class ChangePoint(BaseModel):
    """The single most likely change of a rate, with its uncertainty."""

    before: Segment
    """The steps up to the change."""
    after: Segment
    """The steps from the change on."""
    interval_after_step: float
    """The change happens after this step, at the interval's confidence ..."""
    interval_by_step: float
    """... and by this step."""
    p_value: float
    """Test of "the rate is the same at every step" (bootstrap of the maximal likelihood
    ratio under the pooled rate)."""
    log_likelihood_ratio: float
    """Log-likelihood of the best split minus that of one rate for all steps."""
    confidence: float
    """Coverage of the location interval and of the rates' intervals."""
    resamples: int
    """Bootstrap draws behind the interval and the p-value."""
    method: str = "exact binomial search; parametric bootstrap"
    """How it was found."""
    _draws: np.ndarray = PrivateAttr(default_factory=lambda: np.empty(0))

    @property
    def step(self) -> float:
        """The estimated change: the first step at the new rate."""
        return self.after.first_step

    def location_draws(self) -> np.ndarray:
        """The bootstrap's re-estimated change steps, one per resample.

        Each is the first step at the new rate; comparing two runs' changes uses them.
        """
        return self._draws

    def _p_text(self) -> str:
        # No bootstrap draw reached the observed ratio: the p-value is a bound.
        if self.p_value <= 1 / (self.resamples + 1) + 1e-12:
            return f"≤ {self.p_value:.3f}" if self.p_value >= 0.001 else "< 0.001"
        return _p(self.p_value)

    def sentence(self, outcome: str = "rate") -> str:
        """The finding in words, e.g. "hack rate shifts from 4% [2, 9] to 93% [88, 96] ..."."""
        b, a = self.before, self.after
        level = round(100 * self.confidence)
        return (
            f"{outcome} shifts from {_pct(b.rate)} [{_pct(b.ci_low, False)}, "
            f"{_pct(b.ci_high, False)}] to {_pct(a.rate)} [{_pct(a.ci_low, False)}, "
            f"{_pct(a.ci_high, False)}] between steps {_step(b.last_step)} and "
            f"{_step(a.first_step)} ({level}% interval of the change: after step "
            f"{_step(self.interval_after_step)}, by step {_step(self.interval_by_step)}; "
            f"p {self._p_text()} against no change)"
        )


class Segmentation(BaseModel):
    """Piecewise-constant rates over steps, with the changes between them."""

    segments: list[Segment]
    """The segments in step order; one segment means no change was found."""
    penalty: float
    """Penalty per change on the deviance (−2 log-likelihood) scale."""
    penalty_rule: str
    """Where the penalty came from, e.g. `BIC: 2 log N`."""
    method: str = "PELT (ruptures) with a binomial cost"
    """How it was found."""
    blocks: int | None = None
    """When set, the search ran on this many blocks of consecutive steps of about equal
    n (runs with more than `MAX_SEARCH_BLOCKS` steps), so each change is located to
    within one block; None when every step was a candidate."""


def _pct(value: float, sign: bool = True) -> str:
    text = f"{100 * value:.0f}"
    return text + "%" if sign else text


def _step(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def _counts(
    steps: Sequence[float], k: Sequence[int], n: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts by distinct step, sorted, steps without samples dropped."""
    x = np.asarray(steps, dtype=float)
    kk = np.asarray(k, dtype=np.int64)
    nn = np.asarray(n, dtype=np.int64)
    if not (x.shape == kk.shape == nn.shape) or x.ndim != 1:
        raise ValueError("steps, k and n must be 1-D sequences of the same length")
    if (kk < 0).any() or (kk > nn).any():
        raise ValueError("need 0 <= k <= n at every step")
    unique, inverse = np.unique(x, return_inverse=True)
    k_by = np.bincount(inverse, weights=kk, minlength=len(unique)).astype(np.int64)
    n_by = np.bincount(inverse, weights=nn, minlength=len(unique)).astype(np.int64)
    keep = n_by > 0
    return unique[keep], k_by[keep], n_by[keep]


def binomial_log_likelihood(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Maximised binomial log-likelihood of segments with k of n (constants dropped).

    k log(k/n) + (n − k) log(1 − k/n), written as x log x terms (with 0 log 0 = 0)
    so that no rate is formed: one C ufunc each, which matters in the bootstrap.
    """
    from scipy.special import xlogy

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    m = n - k
    return np.asarray(xlogy(k, k) + xlogy(m, m) - xlogy(n, n))


def _split_log_likelihoods(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Log-likelihood of every split j (segments [:j] and [j:]), j = 1 .. m-1.

    Splits run along the last axis; `k` may carry leading axes (bootstrap draws).
    """
    ck = np.cumsum(k, axis=-1)
    cn = np.cumsum(n, axis=-1)
    total_k = ck[..., -1:]
    total_n = cn[..., -1:]
    left = binomial_log_likelihood(ck[..., :-1], cn[..., :-1])
    right = binomial_log_likelihood(total_k - ck[..., :-1], total_n - cn[..., :-1])
    return np.asarray(left + right)


def _segment(x: np.ndarray, k: np.ndarray, n: np.ndarray, confidence: float) -> Segment:
    kk, nn = int(k.sum()), int(n.sum())
    interval = wilson_interval(kk, nn, confidence)
    assert interval is not None
    return Segment(
        first_step=float(x[0]), last_step=float(x[-1]), k=kk, n=nn, rate=kk / nn,
        ci_low=interval[0], ci_high=interval[1],
    )  # fmt: skip


def single_change(
    steps: Sequence[float],
    k: Sequence[int],
    n: Sequence[int],
    *,
    confidence: float = 0.95,
    resamples: int | None = None,
    seed: int = DEFAULT_SEED,
) -> ChangePoint | None:
    """The most likely single change of a rate over steps.

    Args:
        steps: Training step of each count (repeats are pooled).
        k: Samples with the outcome.
        n: Samples with a parseable outcome.
        confidence: Coverage of the location interval and the rates' intervals.
        resamples: Bootstrap draws for the interval and the p-value; default 1,000, fewer
            (down to 200) beyond 2,000 steps so that draws × steps stays at 2 million.
        seed: Seed of the bootstrap.

    Returns:
        The change, or None with fewer than two steps holding samples.
    """
    x, kk, nn = _counts(steps, k, n)
    if len(x) < 2:
        return None
    if resamples is None:
        resamples = min(DEFAULT_BOOTSTRAP, max(MIN_BOOTSTRAP, BOOTSTRAP_CELLS // len(x)))
    split_ll = _split_log_likelihoods(kk, nn)
    j = int(np.argmax(split_ll)) + 1
    pooled_ll = float(binomial_log_likelihood(kk.sum(), nn.sum()))
    llr = float(split_ll[j - 1]) - pooled_ll
    rng = np.random.default_rng(seed)
    # Location: redraw from the two-rate model and search again. Each draw takes its two
    # rates from their Jeffreys posteriors rather than fixing them at the fit: with a few
    # samples a side's rate is often fitted at 0 or 1, and redrawing from that exact rate
    # never produces the stray outcome that could move the split (coverage at 20 steps x 1
    # sample rose from 78-84% to ~90%+ with it; at larger n the posteriors are tight).
    rates_before = rng.beta(kk[:j].sum() + 0.5, nn[:j].sum() - kk[:j].sum() + 0.5, resamples)
    rates_after = rng.beta(kk[j:].sum() + 0.5, nn[j:].sum() - kk[j:].sum() + 0.5, resamples)
    fitted = np.where(np.arange(len(x)) < j, rates_before[:, None], rates_after[:, None])
    draws = rng.binomial(nn, fitted)
    found = np.argmax(_split_log_likelihoods(draws, nn), axis=-1) + 1
    tail = (1 - confidence) / 2
    low = int(np.quantile(found, tail, method="lower"))
    high = int(np.quantile(found, 1 - tail, method="higher"))
    # Existence: the best split's likelihood ratio under one pooled rate.
    null = rng.binomial(nn, kk.sum() / nn.sum(), size=(resamples, len(x)))
    null_llr = _split_log_likelihoods(null, nn).max(axis=-1) - binomial_log_likelihood(
        null.sum(axis=-1), np.full(resamples, nn.sum())
    )
    p_value = (1 + int(np.sum(null_llr >= llr - 1e-9))) / (resamples + 1)
    change = ChangePoint(
        before=_segment(x[:j], kk[:j], nn[:j], confidence),
        after=_segment(x[j:], kk[j:], nn[j:], confidence),
        interval_after_step=float(x[low - 1]),
        interval_by_step=float(x[high]),
        p_value=p_value,
        log_likelihood_ratio=llr,
        confidence=confidence,
        resamples=resamples,
    )
    change._draws = x[found]
    return change


def _binomial_cost() -> Any:
    from ruptures.base import BaseCost

    class BinomialCost(BaseCost):  # type: ignore[misc]
        """Binomial deviance of a segment: −2 × its maximised log-likelihood."""

        model = "binomial"
        min_size = 1

        def fit(self, signal: np.ndarray) -> BinomialCost:
            self.signal = signal
            # Plain floats: PELT calls `error` O(steps²) times in the worst case, and a
            # numpy call per segment costs ten times the arithmetic.
            self.ck = [0.0, *np.cumsum(signal[:, 0]).tolist()]
            self.cn = [0.0, *np.cumsum(signal[:, 1]).tolist()]
            return self

        def error(self, start: int, end: int) -> float:
            k = self.ck[end] - self.ck[start]
            n = self.cn[end] - self.cn[start]
            if k <= 0.0 or k >= n:
                return 0.0
            p = k / n
            return float(-2.0 * (k * math.log(p) + (n - k) * math.log(1.0 - p)))

    return BinomialCost()


MAX_SEARCH_BLOCKS = 400
"""Beyond this many steps, the several-change search runs on this many blocks of
consecutive steps of about equal n (a change is then located to within a block)."""


def equal_n_ends(n: np.ndarray, blocks: int) -> np.ndarray:
    """End indices (exclusive) of about `blocks` runs of consecutive steps of equal n.

    A run closes at the first step where the cumulative count reaches its share, so
    runs are never empty and a step is never split.
    """
    cum = np.cumsum(n)
    targets = cum[-1] * np.arange(1, blocks + 1) / blocks
    return np.unique(np.minimum(np.searchsorted(cum, targets, side="left"), len(n) - 1)) + 1


def multiple_changes(
    steps: Sequence[float],
    k: Sequence[int],
    n: Sequence[int],
    *,
    penalty: float | None = None,
    confidence: float = 0.95,
) -> Segmentation | None:
    """Piecewise-constant rates over steps, exactly by PELT.

    The segmentation is the one with the least binomial deviance plus `penalty` per
    change.

    Args:
        steps: Training step of each count (repeats are pooled).
        k: Samples with the outcome.
        n: Samples with a parseable outcome.
        penalty: Cost of one change on the deviance scale; default BIC's 2 log N.
        confidence: Coverage of each segment's rate interval.

    Returns:
        The segments, or None when no step holds samples.
    """
    import ruptures

    x, kk, nn = _counts(steps, k, n)
    if len(x) == 0:
        return None
    rule = "given"
    if penalty is None:
        penalty, rule = 2 * math.log(max(int(nn.sum()), 2)), "BIC: 2 log N"
    blocks = None
    if len(x) == 1:
        ends = [1]
    else:
        block_ends = np.arange(1, len(x) + 1)
        if len(x) > MAX_SEARCH_BLOCKS:
            block_ends = equal_n_ends(nn, MAX_SEARCH_BLOCKS)
            blocks = len(block_ends)
        starts_ = np.concatenate([[0], block_ends[:-1]])
        signal = np.column_stack(
            [np.add.reduceat(kk, starts_), np.add.reduceat(nn, starts_)]
        ).astype(float)
        algo = ruptures.Pelt(custom_cost=_binomial_cost(), min_size=1, jump=1)
        ends = [int(block_ends[e - 1]) for e in algo.fit(signal).predict(pen=penalty)]
    starts = [0, *ends[:-1]]
    segments = [
        _segment(x[a:b], kk[a:b], nn[a:b], confidence) for a, b in zip(starts, ends, strict=True)
    ]
    return Segmentation(segments=segments, penalty=penalty, penalty_rule=rule, blocks=blocks)
