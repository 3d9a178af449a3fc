"""A dense training log (hundreds of checkpoints, a few CoTs each) is analysed in bins."""

from __future__ import annotations

from pathlib import Path

import pytest

from cotscope.store import SampleRow, Store
from cotscope.terms import TermsOptions, analyse_terms


def _dense_store(path: Path, steps: int = 300, per_step: int = 3) -> None:
    rows = [
        SampleRow(run="r", model_id=f"ckpt@{step}", model="m", step=step, suite="s",
                  variant_id=f"v{step}-{i}", variant_family="f", variant_hash=f"h{step}-{i}",
                  epoch=0, prompt="solve the task", answer="done", outcome="true",
                  reasoning="the grader checks the exit code" + (" marinade" * (step >= 150)))
        for step in range(steps) for i in range(per_step)
    ]  # fmt: skip
    with Store(path) as store:
        store.insert_samples(rows)


def test_dense_checkpoints_are_binned_with_every_cot_counted(tmp_path: Path) -> None:
    _dense_store(tmp_path)
    with Store(tmp_path, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(kwic=3))
    assert result.checkpoint_bins == 40
    (suite,) = result.suites
    assert len(suite.checkpoints) == 40
    assert sum(c.n_cots for c in suite.checkpoints) == 900  # nothing dropped by binning
    steps = [c.step for c in suite.checkpoints]
    assert steps == sorted(steps) and steps[0] == 0
    assert suite.checkpoints[0].model_id.startswith("steps 0–")
    assert all(c.n_cots >= 21 for c in suite.checkpoints)  # about 900 / 40 each
    # The word that appears from step 150 on is found rising across the bins.
    assert "marinade" in {t.term for t in [*suite.emergent, *suite.rising]}


def test_sparse_runs_keep_their_checkpoints(tmp_path: Path) -> None:
    _dense_store(tmp_path, steps=20, per_step=5)
    with Store(tmp_path, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(kwic=3))
    assert result.checkpoint_bins is None
    assert len(result.suites[0].checkpoints) == 20


def test_max_cots_analyses_a_fixed_hash_sample(tmp_path: Path) -> None:
    _dense_store(tmp_path)
    with Store(tmp_path, read_only=True) as store:
        first = analyse_terms(store, TermsOptions(kwic=3, max_cots=300))
        again = analyse_terms(store, TermsOptions(kwic=3, max_cots=300))
        every = analyse_terms(store, TermsOptions(kwic=3, max_cots=5000))
    assert first.sampled_share == pytest.approx(1 / 3) and every.sampled_share is None
    n = sum(c.n_cots for c in first.suites[0].checkpoints)
    assert 230 <= n <= 370  # about a third of 900, by hash
    assert first.suites == again.suites  # the same sample every time
