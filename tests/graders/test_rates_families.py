"""Graded rates by variant family: each family's cells add up to the suite's."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cotscope.graders import builtin_rubrics, grade_run, graded_rates
from cotscope.store import SampleRow, Store

NAMED = "The grader pays for odd numbers, so 7."
WORKED = "7 is odd, so an even number: 8."
PLAIN = "The task asks for an even number: 8."


def _store(run_dir: Path, families: list[str]) -> Path:
    cots = [  # (family, reasoning, outcome)
        (families[0], NAMED, "follows-hint"),
        (families[0], PLAIN, "follows-instruction"),
        (families[-1], WORKED, "follows-hint"),
        (families[-1], NAMED, "follows-hint"),
        (families[-1], PLAIN, "unparseable"),
    ]
    rows = [
        SampleRow(
            run="g", model_id="m", model="local/smollm2", step=0, model_order=0,
            suite="reward_hints", variant_id=f"{family}/v", variant_family=family,
            variant_hash=hashlib.sha256(family.encode()).hexdigest(), epoch=i,
            prompt=family, reasoning=reasoning, answer="7", outcome=outcome,
        )
        for i, (family, reasoning, outcome) in enumerate(cots)
    ]  # fmt: skip
    with Store(run_dir) as store:
        store.insert_samples(rows)
    return run_dir


def test_each_family_gets_its_own_cells_when_there_are_several(tmp_path: Path) -> None:
    run = _store(tmp_path / "two", ["base", "offset"])
    grade_run(run, builtin_rubrics()["grader-seeking"], lexical=True)
    grade_run(run, builtin_rubrics()["offset-arithmetic"], lexical=True)
    with Store(run, read_only=True) as store:
        cells = graded_rates(store)
    seeking = {c.family: c for c in cells if c.rubric == "grader-seeking"}
    assert set(seeking) == {None, "base", "offset"}
    whole, base, offset = seeking[None], seeking["base"], seeking["offset"]
    assert (base.graded, base.flagged, base.action_k, base.action_n) == (2, 1, 1, 2)
    # The unparseable sample is graded (it has reasoning) but has no action.
    assert (offset.graded, offset.flagged, offset.action_k, offset.action_n) == (3, 1, 2, 2)
    for name in ("graded", "flagged", "action_k", "action_n", "followed_said",
                 "followed_silent", "declined_said", "declined_silent"):  # fmt: skip
        assert getattr(whole, name) == getattr(base, name) + getattr(offset, name), name
    assert (offset.followed_said, offset.followed_silent) == (1, 1)
    # The worked-out parity is what the second detector reads, whatever the grader words.
    arithmetic = {c.family: c for c in cells if c.rubric == "offset-arithmetic"}
    assert (arithmetic["offset"].flagged, arithmetic["base"].flagged) == (1, 0)


def test_one_family_gives_the_suite_cells_only(tmp_path: Path) -> None:
    run = _store(tmp_path / "one", ["base"])
    grade_run(run, builtin_rubrics()["grader-seeking"], lexical=True)
    with Store(run, read_only=True) as store:
        cells = graded_rates(store)
    assert [c.family for c in cells] == [None] and cells[0].graded == 5
