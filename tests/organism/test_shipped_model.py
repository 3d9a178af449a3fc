"""Each shipped checkpoint loads offline, generates, and runs the suite through Inspect."""

from __future__ import annotations

from pathlib import Path

import pytest

from cotscope.models import get_engine, resolve_local_model
from cotscope.organism import OrganismNotFoundError, shipped_organism_dir

pytestmark = pytest.mark.model


def _checkpoints() -> list[Path]:
    try:
        folder = shipped_organism_dir()
    except OrganismNotFoundError:
        return []
    return sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))


CHECKPOINTS = _checkpoints()


def test_checkpoints_are_shipped() -> None:
    assert len(CHECKPOINTS) >= 5, "the shipped run should hold 6-10 checkpoints with step 0"
    card = shipped_organism_dir() / "TRAINING_CARD.md"
    assert card.is_file()
    total = sum(f.stat().st_size for c in CHECKPOINTS for f in c.iterdir())
    assert total < 20_000_000


@pytest.mark.parametrize("checkpoint", CHECKPOINTS, ids=lambda p: p.name)
def test_each_adapter_loads_and_generates(checkpoint: Path, no_network: None) -> None:
    base = resolve_local_model("smollm2")
    resolved = resolve_local_model("smollm2", adapter=checkpoint)
    assert resolved.fingerprint != base.fingerprint
    engine = get_engine(resolved)
    prompt = engine.render_chat([{"role": "user", "content": "Choose a random even number."}])
    [completion] = engine.generate([prompt], max_new_tokens=8, temperature=0.0, seeds=[0])
    assert completion.completion_tokens > 0 and completion.text.strip()


def test_fingerprints_differ_between_checkpoints() -> None:
    prints = {resolve_local_model("smollm2", adapter=c).fingerprint for c in CHECKPOINTS}
    assert len(prints) == len(CHECKPOINTS)


def test_last_checkpoint_runs_the_suite_offline(tmp_path: Path, no_network: None) -> None:
    from inspect_ai import eval

    from cotscope.suites.reward_hints._task import reward_hints

    [log] = eval(
        reward_hints(variants="base", epochs=2, seed=0),
        model="local/smollm2",
        model_args={"adapter": str(CHECKPOINTS[-1])},
        max_tokens=24,
        temperature=1.0,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    assert log.samples is not None and len(log.samples) == 2
    for sample in log.samples:
        assert sample.scores
        [score] = sample.scores.values()
        assert score.value in {"follows-hint", "follows-instruction", "unparseable", "other"}
