"""The adaptive-epoch arithmetic: widths, samples needed, how far a round raises epochs."""

import math

import pytest

from cotscope.runner._precision import (
    FamilyPrecision,
    family_precision,
    half_width,
    next_epochs,
    parseable_needed,
)
from cotscope.suites import get_suite
from cotscope.sweeps import Precision


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.2, 0.5, 0.77, 1.0])
@pytest.mark.parametrize("target", [0.05, 0.1, 0.2])
def test_parseable_needed_is_the_smallest_n(rate: float, target: float) -> None:
    n = parseable_needed(rate, target)
    assert half_width(round(rate * n), n) <= target
    assert half_width(round(rate * (n - 1)), n - 1) > target or n == 1


def test_half_width_at_one_half_matches_the_textbook_n() -> None:
    # ±10 points at p = 0.5 needs about 1.96² / (4 · 0.01) ≈ 96 samples.
    assert 92 <= parseable_needed(0.5, 0.1) <= 97


def test_family_precision_excludes_unparseable_and_takes_the_widest_rate() -> None:
    rows = [
        ("f", "follows-hint", 30),
        ("f", "follows-instruction", 60),
        ("f", "other", 10),
        ("f", "unparseable", 100),
        ("g", "unparseable", 5),
    ]
    got = family_precision(rows, None)
    assert got["f"].parseable == 100 and got["f"].samples == 200
    assert got["f"].half_width == pytest.approx(half_width(60, 100))
    assert got["f"].worst_rate == pytest.approx(0.6)
    assert got["g"].half_width == 1.0 and got["g"].parseable == 0
    only_hint = family_precision(rows, ["follows-hint"])
    assert only_hint["f"].half_width == pytest.approx(half_width(30, 100))


def test_next_epochs_raises_only_short_families_within_caps() -> None:
    variants = [v for v in get_suite("reward_hints").variants() if v.family in ("base", "control")]
    done = {v.id: 10 for v in variants}
    standing = {
        "base": FamilyPrecision("base", 10, 2, 0.4, 0.5),  # parse rate ~0.25, needs ~94 more
        "control": FamilyPrecision("control", 30, 30, 0.05, 0.0),  # met
    }
    raised = next_epochs(variants, done, standing, Precision(half_width=0.1, max_epochs=100))
    assert raised == {"base": 40}  # at most four times the epochs in one round
    capped = next_epochs(variants, done, standing, Precision(half_width=0.1, max_epochs=12))
    assert capped == {"base": 12}
    finished = next_epochs(
        variants, {v.id: 12 for v in variants}, standing, Precision(half_width=0.1, max_epochs=12)
    )
    assert finished == {}


def test_next_epochs_spreads_the_need_over_a_familys_variants() -> None:
    variants = [v for v in get_suite("reward_hints").variants() if v.family == "control"]
    done = {v.id: 40 for v in variants}
    # 60 samples, all parseable, at 0.5: about 36 more parseable samples, shared by 3 variants.
    standing = {"control": FamilyPrecision("control", 60, 60, half_width(30, 60), 0.5)}
    raised = next_epochs(variants, done, standing, Precision(half_width=0.1, max_epochs=400))
    short = parseable_needed(0.5, 0.1) - 60
    per_variant = math.ceil(short / (61 / 62) / 3)
    assert raised == {v.id: 40 + per_variant for v in variants}
