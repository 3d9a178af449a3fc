"""The `local/...` Inspect provider on the real bundled model, with the network blocked."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageUser,
    ContentReasoning,
    GenerateConfig,
    ModelOutput,
    get_model,
)
from inspect_ai.scorer import includes
from inspect_ai.solver import generate

from cotscope.models import LocalEngine
from cotscope.models._provider import LocalModelAPI, LocalModelArgs, assistant_message

from ._helpers import generate_many

pytestmark = pytest.mark.model


def test_reasoning_becomes_reasoning_content() -> None:
    message = assistant_message("<think>grader wants 5</think>Answer: 4", LocalModelArgs(), "m")
    assert isinstance(message.content, list)
    assert isinstance(message.content[0], ContentReasoning)
    assert message.content[0].reasoning == "grader wants 5"
    assert message.text == "Answer: 4"
    assert assistant_message("Answer: 4", LocalModelArgs(), "m").content == "Answer: 4"


def test_concurrent_calls_are_batched_with_usage(engine: LocalEngine, no_network: None) -> None:
    api = LocalModelAPI("smollm2", max_batch_size=3)
    questions = ["What is 2+2?", "Say hi.", "Name a fruit.", "What is 3+3?", "Count to 3."]
    outputs = generate_many(api, questions, max_tokens=6, temperature=0.0)
    assert 2 <= max(api.scheduler.batch_sizes) <= 3
    assert sum(api.scheduler.batch_sizes) == len(questions)
    for question, output in zip(questions, outputs, strict=True):
        assert output.usage is not None
        prompt = engine.render_chat([{"role": "user", "content": question}])
        assert output.usage.input_tokens == len(engine.tokenize(prompt))
        assert 0 < output.usage.output_tokens <= 6
        assert output.usage.total_tokens == output.usage.input_tokens + output.usage.output_tokens
        assert output.metadata is not None
        serving = output.metadata["serving"]
        assert serving["fingerprint"] == api.resolved.fingerprint
        assert serving["dtype"] == "float32" and serving["torch"] and serving["transformers"]
    # Same seed, same answer, whether batched or not.
    again = generate_many(api, questions[:1], max_tokens=6, temperature=0.0)
    assert again[0].completion == outputs[0].completion
    api.close()


def test_config_seed_reproduces_samples(no_network: None) -> None:
    api = LocalModelAPI("smollm2")
    first = generate_many(api, ["Tell me a story."] * 2, max_tokens=8, temperature=1.0, seed=3)
    second = generate_many(api, ["Tell me a story."], max_tokens=8, temperature=1.0, seed=3)
    assert first[0].completion == first[1].completion == second[0].completion
    assert first[0].metadata is not None and first[0].metadata["seed"] == 3
    api.close()


def test_token_counts_use_the_model_tokenizer(
    engine: LocalEngine, no_network: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import inspect_ai.model._model as model_module

    def no_tiktoken(text: str) -> int:
        raise AssertionError("tiktoken used")

    monkeypatch.setattr(model_module, "count_text_tokens", no_tiktoken)
    model = get_model("local/smollm2")
    text = "The grader checks expected_answer."
    assert anyio.run(model.count_tokens, text) == len(engine.tokenize(text))
    assert anyio.run(model.count_tokens, [ChatMessageUser(content=text)]) > 0


def test_prefilled_assistant_turn_is_continued(no_network: None) -> None:
    api = LocalModelAPI("smollm2")

    async def run() -> ModelOutput:
        output, call = await api.generate(
            [ChatMessageUser(content="What is 2+2?"), ChatMessageAssistant(content="The answer")],
            [],
            "none",
            GenerateConfig(max_tokens=4, temperature=0.0),
        )
        assert str(call.request["prompt"]).endswith("The answer")
        return output

    assert anyio.run(run).usage is not None
    api.close()


def test_inspect_eval_runs_offline_and_batches(tmp_path: Path, no_network: None) -> None:
    questions = ["What is 2+2?", "What is 3+3?", "What is 4+4?", "What is 5+5?"]
    task = Task(
        dataset=[Sample(input=q, target=str(2 * (i + 2))) for i, q in enumerate(questions)],
        solver=generate(),
        scorer=includes(),
    )
    model = get_model("local/smollm2", max_batch_size=4)
    assert isinstance(model.api, LocalModelAPI)
    [log] = eval(
        task,
        model=model,
        max_tokens=8,
        temperature=0.0,
        seed=1,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    assert log.samples is not None and len(log.samples) == len(questions)
    for sample in log.samples:
        assert sample.output.usage is not None and sample.output.usage.output_tokens > 0
        assert sample.output.metadata is not None
        assert sample.output.metadata["serving"]["engine"] == "cotscope.local"
    assert log.stats.model_usage["local/smollm2"].input_tokens > 0
    # Inspect's concurrent samples reached the engine together.
    assert max(model.api.scheduler.batch_sizes) > 1
