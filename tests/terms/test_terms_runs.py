"""Training runs as series: each run (a phase's run, a safety arm) is analysed on its own."""

from __future__ import annotations

import random
from pathlib import Path

from _terms_data import PLANT, planted_checkpoints, row, thought_branches

from cotscope.store import SampleRow, Store
from cotscope.terms import TermsOptions, analyse_terms


def _plain_checkpoints(seed: int) -> list[tuple[int | None, list[str | None]]]:
    texts: list[str | None] = [r["reasoning_text"] for r in thought_branches()]
    rng = random.Random(seed)
    return [(step, [rng.choice(texts) for _ in range(40)]) for step, _ in planted_checkpoints()]


def _rows(run_id: str, checkpoints: list[tuple[int | None, list[str | None]]]) -> list[SampleRow]:
    out = []
    for order, (step, texts) in enumerate(checkpoints):
        for epoch, text in enumerate(texts):
            r = row(text, model_id=f"{run_id}-{step}", step=step, epoch=epoch, model_order=order)
            out.append(r.model_copy(update={"run_id": run_id}))
    return out


def test_a_word_that_rises_in_one_run_is_emergent_there_only(tmp_path: Path) -> None:
    planted = planted_checkpoints()
    plain = _plain_checkpoints(2)
    with Store(tmp_path) as store:
        store.insert_samples([*_rows("arm-a", planted), *_rows("arm-b", plain)])
        result = analyse_terms(store, TermsOptions(kwic=2))
    by_run = {s.run_id: s for s in result.suites}
    assert set(by_run) == {"arm-a", "arm-b"}
    a, b = by_run["arm-a"], by_run["arm-b"]
    # Both runs have the same steps; each series holds its own checkpoints only.
    assert [c.step for c in a.checkpoints] == [c.step for c in b.checkpoints]
    assert all(c.model_id.startswith("arm-a-") for c in a.checkpoints)
    assert [r.term for r in a.emergent] == [PLANT]
    assert PLANT not in {r.term for r in b.emergent} and PLANT not in {r.term for r in b.rising}
    assert a.title == "s · training run arm-a"
    assert all(line.model_id.startswith("arm-a") for line in a.emergent[0].kwic)
