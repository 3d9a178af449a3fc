"""Decoding in a child process (`engine_process=true`) on the real bundled model."""

from __future__ import annotations

import anyio
import pytest

from cotscope.models import GenerationRequest, LocalEngine
from cotscope.models._engine_process import EngineProcess, engine_process
from cotscope.models._provider import LocalModelAPI

from ._helpers import generate_many

pytestmark = pytest.mark.model

QUESTIONS = ["What is 2+2?", "Say hi.", "Name a fruit.", "What is 3+3?", "Count to 3."]


def _submit(child: EngineProcess, request: GenerationRequest) -> str:
    async def main() -> str:
        return (await child.submit(request)).text

    return anyio.run(main)


def test_the_child_samples_what_the_engine_samples_in_process(no_network: None) -> None:
    config: dict[str, object] = {"max_tokens": 8, "temperature": 0.8, "seed": 11}
    inside = generate_many(LocalModelAPI("smollm2", max_batch_size=2), QUESTIONS, **config)
    child_api = LocalModelAPI("smollm2", max_batch_size=2, engine_process=True)
    outside = generate_many(child_api, QUESTIONS, **config)
    assert [o.completion for o in outside] == [o.completion for o in inside]
    for output in outside:
        assert output.usage is not None and 0 < output.usage.output_tokens <= 8
    child = engine_process(child_api.resolved, "float32", 2)
    assert child.alive and child.loops >= 1


def test_a_bad_request_fails_alone_and_a_dead_child_fails_its_callers(
    engine: LocalEngine,
) -> None:
    child = engine_process(engine.resolved, "float32", 2)
    empty = GenerationRequest(prompt_ids=[], max_new_tokens=4)
    with pytest.raises(RuntimeError, match="decoding failed: ValueError: .*empty prompt"):
        _submit(child, empty)
    prompt = engine.tokenize(engine.render_chat([{"role": "user", "content": "Say hi."}]))
    good = GenerationRequest(prompt_ids=prompt, max_new_tokens=4, temperature=0.0)
    assert _submit(child, good) == engine.generate_requests([good])[0].text

    child._process.kill()
    child._process.join(timeout=10)
    with pytest.raises(RuntimeError, match="engine process for .* (ended|is gone)"):
        _submit(child, good)
    restarted = engine_process(engine.resolved, "float32", 2)
    assert restarted is not child and restarted.alive
    assert _submit(restarted, good) == engine.generate_requests([good])[0].text


def test_starting_a_child_stops_the_idle_ones(engine: LocalEngine) -> None:
    first = engine_process(engine.resolved, "float32", 2)
    assert not first.busy
    second = engine_process(engine.resolved, "bfloat16", 2)  # another key: another child
    assert second.alive and not first.alive
    second.close()
    assert not second.alive
