"""Trend across checkpoints, and where a rate first rises significantly.

Trend: a logistic regression of the outcome on training step (or model order),
fitted by Newton–Raphson on (variant, step) counts, with standard errors robust
to clustering by variant (the sandwich estimator with statsmodels' small-sample
factor G/(G-1)·(N-1)/(N-K)); the Wald z-test of the slope gives the p-value.
With one variant the model-based standard error is used. When the fit does not
exist (complete separation, e.g. 0% at early steps and 100% at late ones) the
cluster-robust score test of the same slope is used instead: the clustered form
of the Cochran–Armitage trend test, defined whenever the pooled rate is in (0, 1).

First rise: `first_rise` takes the same cells and finds the first checkpoint
significantly above the first one; its one-sided comparisons (CMH, Fisher, Holm,
windows of steps) are in `_rise`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._rise import DEFAULT_WINDOW_N, FirstRise, first_rise_of_counts

TrendMethod = Literal[
    "score-stratified",
    "score-pooled",
    "score-pooled-robust",
    "logit-wald-cluster",
    "logit-wald",
    "score-cluster",
    "score",
]
Direction = Literal["increasing", "decreasing", "none"]

_MAX_ITER = 100
_SEPARATION_LIMIT = 30.0  # |coefficient| on the standardised scale beyond which a fit has diverged


@dataclass(frozen=True)
class Cell:
    """Counts of one variant (cluster) at one checkpoint."""

    cluster: Hashable
    """The clustering unit, normally the variant."""
    x: float
    """Training step or model order."""
    k: int
    """Samples with the outcome."""
    n: int
    """Samples with a parseable outcome."""


@dataclass(frozen=True)
class TrendResult:
    """A test of monotone change of a rate with step."""

    method: TrendMethod | None
    """Which test ran; None when none could (see `note`)."""
    slope: float | None
    """Change in log-odds per unit of x (None for score tests and when untestable)."""
    se: float | None
    """Standard error of the slope."""
    z: float | None
    """Test statistic (standard normal under no trend)."""
    p_value: float | None
    """Two-sided p-value; None when untestable."""
    direction: Direction | None
    """Sign of the estimated change; `none` when the statistic is exactly 0."""
    n: int
    """Samples used."""
    n_levels: int
    """Distinct x values with data."""
    n_clusters: int
    """Clusters (variants) with data."""
    note: str | None = None
    """Why no test ran, or a caveat."""


def _normal_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def _direction(value: float) -> Direction:
    return "increasing" if value > 0 else "decreasing" if value < 0 else "none"


def _clustered_sum(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros((n_groups,) + values.shape[1:])
    np.add.at(out, groups, values)
    return out


def logistic_trend(cells: Sequence[Cell], alpha: float = 0.05) -> TrendResult:
    """Test whether the outcome rate changes monotonically with x, clustered by `cluster`.

    Args:
        cells: Counts per (cluster, x); cells with n = 0 are ignored.
        alpha: Unused by the test itself; kept for a uniform signature.

    Returns:
        The trend result. `p_value` is None when there is no data, a single x
        level, or no variation in the outcome.
    """
    del alpha
    used = [c for c in cells if c.n > 0]
    for c in used:
        if c.k < 0 or c.k > c.n:
            raise ValueError(f"need 0 <= k <= n, got {c}")
    n_total = sum(c.n for c in used)
    k_total = sum(c.k for c in used)
    levels = {c.x for c in used}
    cluster_ids = {key: i for i, key in enumerate(dict.fromkeys(c.cluster for c in used))}
    g = len(cluster_ids)

    def untestable(note: str) -> TrendResult:
        return TrendResult(None, None, None, None, None, None, n_total, len(levels), g, note)

    if n_total == 0:
        return untestable("no data")
    if len(levels) < 2:
        return untestable("a single checkpoint")
    if k_total in (0, n_total):
        return untestable("the outcome never varies")

    x = np.array([c.x for c in used], dtype=float)
    k = np.array([c.k for c in used], dtype=float)
    n = np.array([c.n for c in used], dtype=float)
    groups = np.array([cluster_ids[c.cluster] for c in used])
    # Affine rescaling of x leaves z and p unchanged and keeps Newton stable for large steps.
    centre = float(np.sum(n * x) / n_total)
    scale = float(np.sqrt(np.sum(n * (x - centre) ** 2) / n_total))
    design = np.column_stack([np.ones_like(x), (x - centre) / scale])

    beta = np.array([math.log(k_total / (n_total - k_total)), 0.0])
    converged = False
    for _ in range(_MAX_ITER):
        p = 1 / (1 + np.exp(-(design @ beta)))
        w = n * p * (1 - p)
        hessian = design.T @ (design * w[:, None])
        score = design.T @ (k - n * p)
        try:
            step = np.linalg.solve(hessian, score)
        except np.linalg.LinAlgError:
            break
        beta = beta + step
        if np.max(np.abs(beta)) > _SEPARATION_LIMIT:
            break
        if np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(beta))):
            converged = True
            break

    if not converged:
        return _score_trend(x, k, n, groups, g, len(levels))

    p = 1 / (1 + np.exp(-(design @ beta)))
    w = n * p * (1 - p)
    try:
        bread = np.linalg.inv(design.T @ (design * w[:, None]))
    except np.linalg.LinAlgError:
        # Converged onto fitted rates of 0 or 1 (weights underflow): as with separation.
        return _score_trend(x, k, n, groups, g, len(levels))
    if g >= 2:
        per_cluster = _clustered_sum(design * (k - n * p)[:, None], groups, g)
        meat = per_cluster.T @ per_cluster
        factor = g / (g - 1) * (n_total - 1) / (n_total - design.shape[1])
        cov = factor * bread @ meat @ bread
        method: TrendMethod = "logit-wald-cluster"
    else:
        cov = bread
        method = "logit-wald"
    slope_std = float(beta[1])
    # A sandwich variance that is zero in exact arithmetic (every cluster's slope score
    # cancels, e.g. rates 100% / 0% / 100% over three steps) can come out as -1e-17.
    if not float(cov[1, 1]) > 0:
        return untestable("zero variance of the slope")
    se_std = float(math.sqrt(cov[1, 1]))
    z = slope_std / se_std
    return TrendResult(
        method=method,
        slope=slope_std / scale,
        se=se_std / scale,
        z=z,
        p_value=_normal_two_sided(z),
        direction=_direction(slope_std),
        n=n_total,
        n_levels=len(levels),
        n_clusters=g,
    )


def _score_trend(
    x: np.ndarray, k: np.ndarray, n: np.ndarray, groups: np.ndarray, g: int, n_levels: int
) -> TrendResult:
    """Cluster-robust score test of the slope (clustered Cochran–Armitage)."""
    n_total = float(n.sum())
    p0 = float(k.sum()) / n_total
    xc = x - float(np.sum(n * x)) / n_total
    contrib = xc * (k - n * p0)
    u = float(contrib.sum())
    if g >= 2:
        per_cluster = _clustered_sum(contrib, groups, g)
        var = float(np.sum(per_cluster**2)) * g / (g - 1)
        method: TrendMethod = "score-cluster"
    else:
        var = p0 * (1 - p0) * float(np.sum(n * xc**2))
        method = "score"
    note = "logistic fit separated; score test used"
    if var <= 0:
        return TrendResult(None, None, None, None, None, None, int(n_total), n_levels, g, note)
    z = u / math.sqrt(var)
    return TrendResult(
        method, None, None, z, _normal_two_sided(z), _direction(u), int(n_total), n_levels, g, note
    )


def trend_test(cells: Sequence[Cell], grouped: bool = True) -> TrendResult:
    """Test whether a rate changes monotonically with x: the score test of the slope.

    The p-value comes from the score test of the slope of x in a logistic model with
    one intercept per variant (Mantel's extension of the Cochran–Armitage test): the
    statistic is Σ_v Σ_i (x_i − x̄_v)(y_i − p̂_v) with variance Σ_v p̂_v(1 − p̂_v)
    Σ_i (x_i − x̄_v)². Unlike a Wald test it stays valid when rates reach 0% or 100%
    (no fit of the alternative is needed), and stratifying by variant means that a
    change in the mix of variants between checkpoints cannot fake a trend. Variants
    seen at a single x carry no information about the slope; when no variant recurs
    across x (a training log with a new prompt per rollout), the test pools every
    sample under one intercept. The slope and its standard error, as an effect size,
    are those of the pooled logistic regression (`logistic_trend`), when it converges.

    When those pooled prompts were each sampled several times (a GRPO group at one
    step), the rollouts of a prompt are correlated: the variance is then the larger of
    the model-based one and the cluster-robust (sandwich) one, `score-pooled-robust`.

    Args:
        cells: Counts per (variant, x); cells with n = 0 are ignored.
        grouped: A cell's samples share one prompt (and may be correlated); False when
            cells pool independent rollouts of different prompts, as cotscope does for
            logs whose every prompt was sampled once.

    Returns:
        The result, method `score-stratified`, `score-pooled` or `score-pooled-robust`.
    """
    used = [c for c in cells if c.n > 0]
    fit = logistic_trend(used)
    if fit.note in ("no data", "a single checkpoint", "the outcome never varies"):
        return fit
    x_of: dict[Hashable, set[float]] = defaultdict(set)
    for c in used:
        x_of[c.cluster].add(c.x)
    stratified = any(len(xs) > 1 for xs in x_of.values())
    strata = {key: i for i, key in enumerate(x_of)} if stratified else dict.fromkeys(x_of, 0)
    s_groups = max(strata.values()) + 1
    x = np.array([c.x for c in used], dtype=float)
    k = np.array([c.k for c in used], dtype=float)
    n = np.array([c.n for c in used], dtype=float)
    g = np.array([strata[c.cluster] for c in used])
    n_s = np.bincount(g, weights=n, minlength=s_groups)
    k_s = np.bincount(g, weights=k, minlength=s_groups)
    x_mean = np.bincount(g, weights=n * x, minlength=s_groups) / n_s
    p_s = k_s / n_s
    xc = x - x_mean[g]
    u = float(np.sum(xc * (k - n * p_s[g])))
    var = float(np.sum(p_s[g] * (1 - p_s[g]) * n * xc**2))
    method: TrendMethod = "score-stratified" if stratified else "score-pooled"
    if grouped and not stratified and (n > 1).any():
        # Pooled prompts sampled several times at their one step (a GRPO group): their
        # rollouts are correlated, so the variance is also taken robust to that
        # clustering (the sandwich sum of squared per-prompt scores), and the larger used.
        robust = float(np.sum((xc * (k - n * p_s[g])) ** 2))
        if robust > var:
            var, method = robust, "score-pooled-robust"
    n_levels = len({c.x for c in used})
    if not var > 0:
        return TrendResult(
            None, fit.slope, fit.se, None, None, None, fit.n, n_levels, fit.n_clusters,
            "no variant has both the outcome varying and two checkpoints",
        )  # fmt: skip
    z = u / math.sqrt(var)
    note = None if fit.slope is not None else "the logistic fit separates; no slope estimate"
    return TrendResult(
        method, fit.slope, fit.se, z, _normal_two_sided(z), _direction(u), fit.n, n_levels,
        fit.n_clusters, note,
    )  # fmt: skip


def first_rise(
    cells: Sequence[Cell], alpha: float = 0.05, min_window_n: int = DEFAULT_WINDOW_N
) -> FirstRise:
    """Find the first checkpoint whose rate is significantly above the first checkpoint's.

    Args:
        cells: Counts per (variant, x).
        alpha: Family-wise error rate across checkpoints (Holm).
        min_window_n: Samples per window when no checkpoint shares a variant with the
            first, so that steps are pooled (see `_rise`).

    Returns:
        The baseline, the first significant rise (or None) and every test.
    """
    by_x: dict[float, dict[Hashable, tuple[int, int]]] = defaultdict(dict)
    for c in cells:
        if c.n > 0:
            k0, n0 = by_x[c.x].get(c.cluster, (0, 0))
            by_x[c.x][c.cluster] = (k0 + c.k, n0 + c.n)
    return first_rise_of_counts(by_x, alpha, min_window_n)
