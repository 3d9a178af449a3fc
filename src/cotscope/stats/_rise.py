"""Where a rate first rises: later checkpoints compared one-sided with the first.

Each later checkpoint is compared with the first by a one-sided
Cochran–Mantel–Haenszel test stratified by variant (so a variant mix that
differs between checkpoints cannot fake a rise), and the p-values are
Holm-corrected across checkpoints. A checkpoint that shares no variant with the
first is compared unpaired, by a one-sided Fisher exact test on the pooled
counts. When no later checkpoint shares a variant with the first (a training
log with a new prompt on every rollout), consecutive steps are pooled into
windows of at least `min_window_n` samples, and each window is compared with the
first window the same way: a handful of rollouts per step cannot show a rise,
and Holm over hundreds of single steps would drown one.

`first_rise` (in `_trend`) takes the counts as `Cell`s; `first_rise_of_counts` here
takes them per checkpoint and variant.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

DEFAULT_WINDOW_N = 30
"""Samples a window of steps holds at least when rollouts share no prompts."""


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values, in the input order.

    Args:
        p_values: Raw p-values.

    Returns:
        Adjusted p-values (each in [0, 1]); reject where adjusted < alpha.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def cmh_one_sided(
    baseline: Mapping[Hashable, tuple[int, int]], later: Mapping[Hashable, tuple[int, int]]
) -> float | None:
    """One-sided p-value that `later` has a higher rate than `baseline`, stratified.

    Cochran–Mantel–Haenszel without continuity correction; strata are the keys
    present in both with data.

    Args:
        baseline: Stratum -> (k, n) at the reference checkpoint.
        later: Stratum -> (k, n) at the compared checkpoint.

    Returns:
        P(Z >= z) under no difference; None when no stratum has data at both;
        1.0 when the strata carry no information (no events at all).
    """
    diff = 0.0
    var = 0.0
    shared = 0
    for key, (k1, n1) in later.items():
        if key not in baseline or n1 == 0 or baseline[key][1] == 0:
            continue
        k0, n0 = baseline[key]
        shared += 1
        total = n0 + n1
        events = k0 + k1
        diff += k1 - n1 * events / total
        if total > 1:
            var += n1 * n0 * events * (total - events) / (total * total * (total - 1))
    if shared == 0:
        return None
    if var <= 0:
        return 1.0
    return NormalDist().cdf(-diff / math.sqrt(var))


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_greater(k1: int, n1: int, k0: int, n0: int) -> float:
    """One-sided Fisher exact p that group 1's share exceeds group 0's (hypergeometric tail).

    Args:
        k1: Successes in group 1 (the later checkpoint).
        n1: Trials in group 1.
        k0: Successes in group 0 (the first checkpoint).
        n0: Trials in group 0.

    Returns:
        P(X ≥ k1) for X hypergeometric with the observed margins.
    """
    if not (0 <= k1 <= n1 and 0 <= k0 <= n0):
        raise ValueError(f"need 0 <= k <= n, got {k1}/{n1}, {k0}/{n0}")
    total, hits = n0 + n1, k0 + k1
    top = min(hits, n1)
    if k1 <= max(0, hits - n0):
        return 1.0
    log_denominator = _log_choose(total, n1)
    logs = [
        _log_choose(hits, k) + _log_choose(total - hits, n1 - k) - log_denominator
        for k in range(k1, top + 1)
    ]
    peak = max(logs)
    return min(1.0, math.exp(peak) * sum(math.exp(v - peak) for v in logs))


@dataclass(frozen=True)
class RiseTest:
    """One later checkpoint (or window of steps) compared with the first."""

    x: float
    """Step (or model order) of the compared checkpoint; the window's first step."""
    p_value: float | None
    """One-sided p-value; None when nothing can be compared."""
    p_holm: float | None
    """Holm-adjusted p-value across the tested checkpoints."""
    significant: bool
    """Holm-adjusted p-value below alpha."""
    last_x: float | None = None
    """The window's last step; equal to `x` for a single checkpoint."""
    design: Literal["paired", "unpaired"] = "paired"
    """`paired`: CMH over the variants both share; `unpaired`: Fisher exact on pooled counts."""
    k: int = 0
    """Samples with the outcome in the compared checkpoint or window."""
    n: int = 0
    """Samples in the compared checkpoint or window."""


@dataclass(frozen=True)
class FirstRise:
    """The first checkpoint significantly above the first one, if any."""

    baseline_x: float | None
    """x of the first checkpoint with data."""
    first_x: float | None
    """x of the first significant rise (a window's first step); None when none."""
    tests: tuple[RiseTest, ...]
    """Every comparison, in x order."""
    baseline_last_x: float | None = None
    """Last step of the baseline window (equal to `baseline_x` without windows)."""
    window_min_n: int | None = None
    """Samples per window when steps were pooled into windows; None without windows."""


def first_rise_of_counts(
    by_x: Mapping[float, Mapping[Hashable, tuple[int, int]]],
    alpha: float = 0.05,
    min_window_n: int = DEFAULT_WINDOW_N,
) -> FirstRise:
    """Find the first checkpoint whose rate is significantly above the first checkpoint's.

    Args:
        by_x: Checkpoint x -> variant -> (k, n), n > 0.
        alpha: Family-wise error rate across checkpoints (Holm).
        min_window_n: Samples per window when no checkpoint shares a variant with the
            first, so that steps are pooled (see the module docstring).

    Returns:
        The baseline, the first significant rise (or None) and every test.
    """
    xs = sorted(by_x)
    if not xs:
        return FirstRise(None, None, ())
    base = by_x[xs[0]]
    if len(xs) > 2 and not any(set(by_x[x]) & set(base) for x in xs[1:]):
        return _windowed_rise(xs, {x: _pooled(by_x[x]) for x in xs}, alpha, min_window_n)
    raw: list[_Compared] = []
    for x in xs[1:]:
        kn = _pooled(by_x[x])
        if set(by_x[x]) & set(base):
            raw.append((x, x, cmh_one_sided(base, by_x[x]), "paired", kn))
        else:
            raw.append((x, x, fisher_greater(*kn, *_pooled(base)), "unpaired", kn))
    tests = _holm_tests(raw, alpha)
    first = next((t.x for t in tests if t.significant), None)
    return FirstRise(xs[0], first, tests, xs[0])


def _pooled(strata: Mapping[Hashable, tuple[int, int]]) -> tuple[int, int]:
    return sum(k for k, _ in strata.values()), sum(n for _, n in strata.values())


_Compared = tuple[float, float, float | None, Literal["paired", "unpaired"], tuple[int, int]]
"""(first x, last x, one-sided p, design, (k, n)) of one comparison before Holm."""


def _holm_tests(raw: Sequence[_Compared], alpha: float) -> tuple[RiseTest, ...]:
    adjusted = iter(holm_adjust([p for _, _, p, _, _ in raw if p is not None]))
    tests = []
    for x, last, p, design, (k, n) in raw:
        p_adj = next(adjusted) if p is not None else None
        significant = p_adj is not None and p_adj < alpha
        tests.append(RiseTest(x, p, p_adj, significant, last, design, k, n))
    return tuple(tests)


def _windowed_rise(
    xs: Sequence[float], counts: Mapping[float, tuple[int, int]], alpha: float, min_n: int
) -> FirstRise:
    """Unpaired first rise over windows of consecutive steps holding >= min_n samples."""
    windows: list[list[float]] = [[]]
    filled = 0
    for x in xs:
        if filled >= min_n:
            windows.append([])
            filled = 0
        windows[-1].append(x)
        filled += counts[x][1]
    if len(windows) > 1 and filled < min_n:  # a short tail joins the window before it
        windows[-2].extend(windows.pop())
    pooled = [(sum(counts[x][0] for x in w), sum(counts[x][1] for x in w)) for w in windows]
    raw: list[_Compared] = [
        (w[0], w[-1], fisher_greater(*kn, *pooled[0]), "unpaired", kn)
        for w, kn in zip(windows[1:], pooled[1:], strict=True)
    ]
    tests = _holm_tests(raw, alpha)
    first = next((t.x for t in tests if t.significant), None)
    return FirstRise(windows[0][0], first, tests, windows[0][-1], min_n)
