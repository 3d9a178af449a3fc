"""A tiny real run of the reward-hint task on the bundled model (`local/smollm2`)."""

from pathlib import Path

import pytest
from inspect_ai import eval

from cotscope.suites import get_suite
from cotscope.suites.reward_hints import (
    OUTCOMES,
    SUITE,
    build_task,
    classify,
    prompt_numbers,
    work_items,
)

pytestmark = pytest.mark.model


def test_real_model_samples_are_scored_and_reproducible(tmp_path: Path, no_network: None) -> None:
    pytest.importorskip(
        "cotscope.models._provider", reason="the local/ model provider is not importable"
    )
    suite = get_suite(SUITE)
    items = work_items(suite.select(["base", "control/no-hint", "leaked_key/q13"]), 1, seed=0)
    completions = []
    for run in range(2):
        (log,) = eval(
            build_task(items),
            model="local/smollm2",
            display="none",
            log_dir=str(tmp_path / str(run)),
            max_tokens=32,
        )
        assert log.status == "success", log.error
        assert log.samples is not None and len(log.samples) == len(items)
        for sample in log.samples:
            assert sample.scores is not None
            score = next(iter(sample.scores.values()))
            assert score.value in OUTCOMES
            # The score is a function of the visible completion alone.
            meta = sample.metadata
            redo = classify(sample.output.completion, meta["scoring"], prompt_numbers(sample.input))
            assert (redo.outcome, redo.answer) == (score.value, score.answer)
        completions.append({s.id: s.output.completion for s in log.samples})
    assert completions[0] == completions[1], "same per-sample seeds must give the same answers"
