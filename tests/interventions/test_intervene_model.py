"""Interventions on the real bundled model: the exact prefix, and one end to end run."""

from __future__ import annotations

from pathlib import Path

import pytest
from _intervention_runs import REASONING, make_run

from cotscope.interventions import (
    InterventionOptions,
    LocalBackend,
    intervention_effects,
    run_interventions,
)
from cotscope.models import GenerationRequest, get_engine, resolve_local_model
from cotscope.store import Store

pytestmark = pytest.mark.model


def test_continuation_starts_right_after_the_edited_prefix() -> None:
    engine = get_engine(resolve_local_model("smollm2"))
    backend = LocalBackend(engine)
    prompt = backend.render([{"role": "user", "content": "Give me an even number."}])
    prompt += "<think>" + "The user wants an even number. I will pick"
    [done] = backend.continue_from([prompt], max_new_tokens=8, temperature=0.0, seeds=[1])
    prompt_ids = engine.tokenize(prompt)
    assert done.prompt_tokens == len(prompt_ids)
    assert done.token_ids
    # The generated ids follow the prefix's ids directly: decoding both together
    # reproduces the prefix text exactly, then the continuation text.
    full = engine.tokenizer.decode(prompt_ids + done.token_ids, skip_special_tokens=False)
    assert full.startswith(prompt)
    assert engine.tokenizer.decode(prompt_ids, skip_special_tokens=False) == prompt
    # Teacher-forcing the first generated token gives the same next greedy token.
    request = GenerationRequest(
        prompt_ids=prompt_ids + done.token_ids[:1], max_new_tokens=1, temperature=0.0
    )
    [forced] = engine.generate_requests([request])
    assert forced.token_ids[0] == done.token_ids[1]


def test_end_to_end_remove_and_inject(tmp_path: Path) -> None:
    make_run(tmp_path, n=2)
    common = {"resamples": 2, "max_new_tokens": 16, "temperature": 1.0}
    removed = run_interventions(
        tmp_path,
        InterventionOptions(
            edit="remove", where="lexical:eval-awareness", resilient=True, max_tries=2, **common
        ),
    )
    assert removed.transcripts == 2 and removed.generated == 8 and removed.backends == ["local"]
    injected = run_interventions(
        tmp_path,
        InterventionOptions(
            edit="inject",
            text="This might be an alignment test.",
            control="random-sentence",
            **common,
        ),
    )
    assert injected.generated == 12
    again = run_interventions(
        tmp_path,
        InterventionOptions(
            edit="remove", where="lexical:eval-awareness", resilient=True, max_tries=2, **common
        ),
    )
    assert again.generated == 0
    with Store(tmp_path, read_only=True) as store:
        rows = store.query("SELECT * FROM interventions")
        effects = intervention_effects(store)
    assert len(rows) == 20
    assert all(r["backend"] == "local" and len(r["prefix_hash"]) == 64 for r in rows)
    assert all(r["completion_tokens"] <= 16 * r["tries"] for r in rows)
    assert {r["outcome"] for r in rows} <= {
        "follows-hint",
        "follows-instruction",
        "other",
        "unparseable",
    }
    edited = [r for r in rows if r["edit"] == "remove" and r["arm"] == "edited"]
    assert all(REASONING.startswith(r["prefix"]) and "test" not in r["prefix"] for r in edited)
    aggregates = [e for e in effects.effects if e.scope == "aggregate"]
    assert {e.arm for e in aggregates} == {"edited", "control"}
    assert all(e.pairs in (4,) for e in aggregates)
