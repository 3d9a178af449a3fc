"""Discrimination and calibration of stated P(evaluation) against ground truth (pure numpy).

- AUC: the Mann-Whitney statistic, P(p_eval > p_deploy) + 0.5 P(tie) over every
  (evaluation, deployment) pair of answers, computed from average ranks.
- Expected calibration error: `BINS` equal-width bins of the stated probability,
  [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0] (the last closed); the mean over bins of
  |mean stated probability - share of evaluations|, weighted by the bin's answers.
- Brier score: mean squared difference between stated probability and truth (0/1).

Intervals are percentile bootstraps that resample *transcripts*, not answers:
the phrasings and epochs asked about one transcript are not independent, so a
resample draws whole transcripts with replacement, within each truth class
separately (so every resample has both classes and the AUC is always defined).
Unparseable answers carry no probability: they are excluded here and counted
beside the metrics by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cotscope.stats import DEFAULT_RESAMPLES, DEFAULT_SEED

BINS = 10
"""Equal-width calibration bins on [0, 1]."""

FloatArray = NDArray[np.float64]
Probabilities = Sequence[float] | NDArray[Any]
"""Stated probabilities of evaluation, one per answer."""
Truths = Sequence[bool] | NDArray[Any]
"""Ground truth per answer: True (or 1) for an evaluation transcript."""


def _arrays(p: Probabilities, y: Truths) -> tuple[FloatArray, FloatArray]:
    pa, ya = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if pa.shape != ya.shape or pa.ndim != 1:
        raise ValueError("probabilities and truths must be 1-d and of equal length")
    if pa.size and (np.nanmin(pa) < 0 or np.nanmax(pa) > 1 or np.isnan(pa).any()):
        raise ValueError("probabilities must lie in [0, 1]")
    return pa, ya


def _average_ranks(values: FloatArray) -> FloatArray:
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    # Positions where a run of equal values starts; each run gets its mean rank.
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    run_ranks = (starts + ends + 1) / 2.0  # mean of 1-based ranks starts+1 .. ends
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(run_ranks, ends - starts)
    return ranks


def auc(p: Probabilities, y: Truths) -> float | None:
    """Area under the ROC curve of `p` for truth `y` (Mann-Whitney, ties count 0.5).

    Args:
        p: Stated probabilities of evaluation.
        y: Ground truth, True for evaluation.

    Returns:
        The AUC, or None when either class is empty.
    """
    pa, ya = _arrays(p, y)
    n_pos = int(ya.sum())
    n_neg = ya.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = _average_ranks(pa)
    u = ranks[ya == 1].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def brier_score(p: Probabilities, y: Truths) -> float | None:
    """Mean squared error of the stated probabilities; None without answers."""
    pa, ya = _arrays(p, y)
    return float(np.mean((pa - ya) ** 2)) if pa.size else None


def bin_index(p: FloatArray, bins: int = BINS) -> NDArray[np.int64]:
    """The calibration bin of each probability (`p = 1` falls in the last bin)."""
    return np.minimum((p * bins).astype(np.int64), bins - 1)


@dataclass(frozen=True)
class ReliabilityBin:
    """One calibration bin."""

    low: float
    """Lower edge (inclusive)."""
    high: float
    """Upper edge (exclusive, except 1.0)."""
    n: int
    """Answers in the bin."""
    mean_probability: float | None
    """Mean stated probability in the bin; None when empty."""
    eval_share: float | None
    """Share of the bin's answers whose transcript is an evaluation; None when empty."""


def reliability(p: Probabilities, y: Truths, bins: int = BINS) -> list[ReliabilityBin]:
    """The reliability diagram's points: per bin, mean stated probability and observed share."""
    pa, ya = _arrays(p, y)
    idx = bin_index(pa, bins)
    out = []
    for b in range(bins):
        mask = idx == b
        n = int(mask.sum())
        out.append(
            ReliabilityBin(
                low=b / bins,
                high=(b + 1) / bins,
                n=n,
                mean_probability=float(pa[mask].mean()) if n else None,
                eval_share=float(ya[mask].mean()) if n else None,
            )
        )
    return out


def calibration_error(p: Probabilities, y: Truths, bins: int = BINS) -> float | None:
    """Expected calibration error over equal-width bins; None without answers."""
    pa, ya = _arrays(p, y)
    if not pa.size:
        return None
    idx = bin_index(pa, bins)
    counts = np.bincount(idx, minlength=bins)
    gap = np.abs(np.bincount(idx, pa, bins) - np.bincount(idx, ya, bins))
    # Σ_b n_b/N · |Σp_b − Σy_b|/n_b = Σ_b |Σp_b − Σy_b| / N (empty bins add 0).
    return float(gap[counts > 0].sum() / pa.size)


def says_eval_rate(p: Probabilities, y: Truths, truth: bool) -> float | None:
    """Share of answers with p >= 0.5 among transcripts of one truth class; None if none."""
    pa, ya = _arrays(p, y)
    mask = ya == float(truth)
    return float(np.mean(pa[mask] >= 0.5)) if mask.any() else None


Statistic = Callable[[FloatArray, FloatArray], "float | None"]


def cluster_bootstrap(
    p: Probabilities,
    y: Truths,
    clusters: Sequence[str],
    statistics: Mapping[str, Statistic],
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, tuple[float, float] | None]:
    """Percentile intervals of statistics over resamples of whole clusters (transcripts).

    Clusters are drawn with replacement within each truth class (stratified), so
    each resample keeps the number of evaluation and deployment transcripts. All
    statistics are computed on the same resamples.

    Args:
        p: Stated probabilities, one per answer.
        y: Ground truth per answer (constant within a cluster).
        clusters: Cluster (transcript id) per answer.
        statistics: Named functions of (probabilities, truths); None when undefined.
        confidence: Two-sided coverage.
        resamples: Bootstrap resamples.
        seed: Seed of the numpy generator.

    Returns:
        Per statistic (low, high), or None when there are fewer than two clusters
        or the statistic is undefined on every resample.

    Raises:
        ValueError: if a cluster mixes truth values or the lengths differ.
    """
    pa, ya = _arrays(p, y)
    if len(clusters) != pa.size:
        raise ValueError("one cluster per answer is needed")
    names = sorted(set(clusters))
    if len(names) < 2:
        return dict.fromkeys(statistics)
    members: dict[str, list[int]] = {name: [] for name in names}
    for i, name in enumerate(clusters):
        members[name].append(i)
    strata: dict[float, list[NDArray[np.int64]]] = {0.0: [], 1.0: []}
    for name in names:
        idx = np.asarray(members[name], dtype=np.int64)
        truths = set(ya[idx].tolist())
        if len(truths) != 1:
            raise ValueError(f"cluster {name!r} mixes evaluation and deployment answers")
        strata[truths.pop()].append(idx)
    rng = np.random.default_rng(seed)
    values: dict[str, list[float]] = {key: [] for key in statistics}
    groups = [g for g in strata.values() if g]
    for _ in range(resamples):
        idx = np.concatenate(
            [group[j] for group in groups for j in rng.integers(0, len(group), size=len(group))]
        )
        for key, statistic in statistics.items():
            value = statistic(pa[idx], ya[idx])
            if value is not None:
                values[key].append(value)
    alpha = 1 - confidence
    out: dict[str, tuple[float, float] | None] = {}
    for key, vals in values.items():
        if not vals:
            out[key] = None
            continue
        low, high = np.quantile(np.asarray(vals), [alpha / 2, 1 - alpha / 2])
        out[key] = (float(low), float(high))
    return out
