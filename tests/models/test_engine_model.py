"""The engine on the real bundled model (SmolLM2-135M-Instruct, Q4_1 GGUF)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cotscope.models import LocalEngine, dequantized_checkpoint, get_engine, resolve_local_model

pytestmark = pytest.mark.model


@pytest.fixture(autouse=True)
def fresh_prefills(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every prefill computed where the test puts it: a batch-vs-alone comparison
    would compare a copy with itself if the engine reused the first one's prefill."""
    monkeypatch.setattr(engine, "prompt_cache", None)


def test_dequantized_checkpoint_is_plain_and_reused(engine: LocalEngine) -> None:
    folder = dequantized_checkpoint("smollm2")
    assert (folder / "model.safetensors").is_file()
    assert (folder / "tokenizer_config.json").is_file()
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())
    assert folder.name == engine.resolved.base_fingerprint
    assert dequantized_checkpoint(engine.resolved) == folder
    assert get_engine(resolve_local_model("smollm2")) is engine


def test_greedy_generation_and_usage(engine: LocalEngine, prompts: list[str]) -> None:
    [done] = engine.generate(prompts[:1], max_new_tokens=12, temperature=0.0)
    assert "4" in done.text
    assert done.prompt_tokens == len(engine.tokenize(prompts[0]))
    assert done.completion_tokens == len(done.token_ids) <= 12
    assert done.finish_reason in ("stop", "max_tokens")
    if done.finish_reason == "stop":
        assert done.token_ids[-1] in engine.eos_ids


def test_token_budget(engine: LocalEngine, prompts: list[str]) -> None:
    [done] = engine.generate(prompts[1:2], max_new_tokens=3, temperature=0.0)
    assert done.finish_reason == "max_tokens"
    assert done.completion_tokens == 3


def test_stop_string_cuts_the_text(engine: LocalEngine, prompts: list[str]) -> None:
    [free] = engine.generate(prompts[1:2], max_new_tokens=16, temperature=0.0)
    word = free.text.split()[3]
    [stopped] = engine.generate(prompts[1:2], max_new_tokens=16, temperature=0.0, stop=[word])
    assert stopped.finish_reason == "stop"
    assert word not in stopped.text
    assert free.text.startswith(stopped.text)
    assert stopped.completion_tokens < free.completion_tokens


def test_same_seed_same_sample(engine: LocalEngine, prompts: list[str]) -> None:
    def sample(seed: int) -> str:
        [done] = engine.generate(prompts[1:2], max_new_tokens=12, temperature=1.0, seeds=[seed])
        assert done.seed == seed
        return done.text

    assert sample(123) == sample(123)
    assert sample(123) != sample(124)


def test_unseeded_samples_record_their_seed(engine: LocalEngine, prompts: list[str]) -> None:
    [done] = engine.generate(prompts[1:2], max_new_tokens=6, temperature=1.0)
    [again] = engine.generate(prompts[1:2], max_new_tokens=6, temperature=1.0, seeds=[done.seed])
    assert again.token_ids == done.token_ids


def test_greedy_batch_equals_single(engine: LocalEngine, prompts: list[str]) -> None:
    batch = engine.generate(prompts, max_new_tokens=10, temperature=0.0)
    single = [engine.generate([p], max_new_tokens=10, temperature=0.0)[0] for p in prompts]
    assert [c.token_ids for c in batch] == [c.token_ids for c in single]


def test_seeded_sample_alone_equals_in_batch(engine: LocalEngine, prompts: list[str]) -> None:
    [alone] = engine.generate(prompts[3:], max_new_tokens=10, temperature=1.0, seeds=[7])
    batch = engine.generate(prompts, max_new_tokens=10, temperature=1.0, seeds=[1, 2, 3, 7])
    assert batch[3].token_ids == alone.token_ids


def test_rows_with_their_own_settings(engine: LocalEngine, prompts: list[str]) -> None:
    from cotscope.models import GenerationRequest

    ids = [engine.tokenize(p) for p in prompts[:2]]
    short, greedy = engine.generate_requests(
        [
            GenerationRequest(ids[0], max_new_tokens=2, temperature=1.0, seed=5),
            GenerationRequest(ids[1], max_new_tokens=8, temperature=0.0),
        ]
    )
    assert short.completion_tokens == 2
    [expected] = engine.generate(prompts[1:2], max_new_tokens=8, temperature=0.0)
    assert greedy.token_ids == expected.token_ids


def test_render_chat_continues_a_prefilled_reply(engine: LocalEngine) -> None:
    prompt = engine.render_chat(
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "<think>The"}]
    )
    assert prompt.endswith("<think>The")


def test_lora_adapter_loads_and_changes_outputs(
    engine: LocalEngine, prompts: list[str], lora_adapter: Path
) -> None:
    resolved = resolve_local_model("smollm2", adapter=lora_adapter)
    assert resolved.fingerprint != engine.resolved.fingerprint
    adapted = get_engine(resolved)
    assert adapted is not engine
    assert adapted.serving_stack()["adapter"] == str(lora_adapter.resolve())
    [base_before] = engine.generate(prompts[:1], max_new_tokens=8, temperature=0.0)
    [changed] = adapted.generate(prompts[:1], max_new_tokens=8, temperature=0.0)
    assert changed.token_ids != base_before.token_ids
    # Loading the adapter must not touch the base engine's weights.
    [base_after] = engine.generate(prompts[:1], max_new_tokens=8, temperature=0.0)
    assert base_after.token_ids == base_before.token_ids


def test_kv_cache_growth_does_not_change_outputs(
    engine: LocalEngine, prompts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cotscope.models._decode as decode_module

    expected = engine.generate(prompts[:2], max_new_tokens=10, temperature=0.0)
    monkeypatch.setattr(decode_module, "RESERVE_TOKENS", 1)  # buffers double several times
    grown = engine.generate(prompts[:2], max_new_tokens=10, temperature=0.0)
    assert [c.token_ids for c in grown] == [c.token_ids for c in expected]


def test_rows_joining_a_running_batch_match_single_runs(
    engine: LocalEngine, prompts: list[str]
) -> None:
    from cotscope.models import Completion, GenerationRequest

    budgets, temperatures = [3, 9, 5, 7], [0.0, 1.0, 0.0, 1.0]
    requests = [
        GenerationRequest(engine.tokenize(p), max_new_tokens=n, temperature=t, seed=40 + i)
        for i, (p, n, t) in enumerate(zip(prompts, budgets, temperatures, strict=True))
    ]
    queue = list(enumerate(requests))
    results: dict[int, Completion] = {}

    def take(n: int) -> list[tuple[object, GenerationRequest]]:
        taken = queue[: min(n, 1)]  # at most one newcomer per step: rows join mid-decode
        del queue[: len(taken)]
        return list(taken)

    engine.serve(take, lambda key, done: results.__setitem__(key, done), max_rows=2)
    single = [engine.generate_requests([r])[0] for r in requests]
    assert [results[i].token_ids for i in range(4)] == [s.token_ids for s in single]
    assert all(len(results[i].token_ids) <= n for i, n in enumerate(budgets))


def test_repeated_prompts_share_one_prefill(engine: LocalEngine, prompts: list[str]) -> None:
    from cotscope.models._prompt_cache import PromptCache

    repeated = [prompts[0], prompts[1], prompts[0], prompts[0], prompts[1]]
    seeds = [11, 12, 13, 14, 15]
    fresh = engine.generate(repeated, max_new_tokens=12, temperature=1.0, seeds=seeds)
    greedy = engine.generate(repeated[:2], max_new_tokens=12, temperature=0.0)

    engine.prompt_cache = held = PromptCache()
    shared = engine.generate(repeated, max_new_tokens=12, temperature=1.0, seeds=seeds)
    assert (held.misses, held.hits, len(held)) == (2, 0, 2)  # two distinct prompts, prefilled once
    assert [c.token_ids for c in shared] == [c.token_ids for c in fresh]
    assert len({tuple(c.token_ids) for c in shared[::2]}) > 1  # the copies still sample apart

    again = engine.generate(repeated[:2], max_new_tokens=12, temperature=0.0)
    assert held.hits == 2
    assert [c.token_ids for c in again] == [c.token_ids for c in greedy]


def test_prompt_cache_stays_within_its_budget(engine: LocalEngine, prompts: list[str]) -> None:
    from cotscope.models._prompt_cache import PromptCache

    engine.prompt_cache = probe = PromptCache()
    engine.generate(prompts[:1], max_new_tokens=1, temperature=0.0)
    one = probe.nbytes
    engine.prompt_cache = held = PromptCache(budget_bytes=int(2.5 * one))
    for p in prompts:  # four prompts of similar length, room for two
        engine.generate([p], max_new_tokens=1, temperature=0.0)
    assert len(held) == 2
    assert held.nbytes <= held.budget_bytes
    engine.generate(prompts[-1:], max_new_tokens=1, temperature=0.0)
    assert held.hits == 1  # the most recent survives
    engine.generate(prompts[:1], max_new_tokens=1, temperature=0.0)
    assert held.hits == 1  # the oldest was evicted


def test_a_running_batch_admits_newcomers_in_groups(
    engine: LocalEngine, prompts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cotscope.models._decode as decode_module
    from cotscope.models import Completion, GenerationRequest

    sizes: list[int] = []
    admit = decode_module._admit

    def counting(engine_: LocalEngine, batch: object, rows: list[object]) -> object:
        sizes.append(len(rows))
        return admit(engine_, batch, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(decode_module, "_admit", counting)
    requests = [
        GenerationRequest(engine.tokenize(prompts[i % 4]), max_new_tokens=2 + i % 5, seed=i)
        for i in range(14)
    ]
    queue = list(enumerate(requests))
    results: dict[int, Completion] = {}

    def take(n: int) -> list[tuple[object, GenerationRequest]]:
        taken = queue[:n]
        del queue[:n]
        return list(taken)

    engine.serve(take, lambda key, done: results.__setitem__(key, done), max_rows=8)
    assert sizes[0] == 8 and sum(sizes) == 14
    assert all(size >= 2 for size in sizes[1:])  # a quarter of 8 rows, never one by one
    single = [engine.generate_requests([r])[0] for r in requests]
    assert [results[i].token_ids for i in range(14)] == [s.token_ids for s in single]


def test_decoding_runs_on_the_torch_thread_whoever_calls(
    engine: LocalEngine, prompts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One OpenMP team in the process: see `_torch_thread` for what a second one costs."""
    import threading

    import cotscope.models._decode as decode_module

    threads: set[str] = set()
    step = decode_module._step

    def recording(*args: object) -> bool:
        threads.add(threading.current_thread().name)
        return step(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(decode_module, "_step", recording)
    engine.generate(prompts[:2], max_new_tokens=3, temperature=0.0)
    caller = threading.Thread(
        target=lambda: engine.generate(prompts[2:3], max_new_tokens=2, temperature=0.0)
    )
    caller.start()
    caller.join()
    assert threads == {"cotscope-torch"}


def test_decoding_uses_current_transformers_apis(engine: LocalEngine, prompts: list[str]) -> None:
    """No deprecation warning from our calls into transformers (e.g. `past_key_values=`,
    renamed `cache=`): the next minor release would break the engine on a fresh install."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine.generate(prompts[:2], max_new_tokens=4, temperature=0.7, seeds=[1, 2])
    deprecations = [
        str(w.message) for w in caught if issubclass(w.category, DeprecationWarning | FutureWarning)
    ]
    assert deprecations == []


def test_the_engine_cache_keeps_two_and_frees_the_rest(
    engine: LocalEngine, lora_adapter: Path
) -> None:
    """A sweep of many checkpoints in one process (or one Ray worker) holds at most two
    engines' weights: the third drops the least recently used, and nothing else keeps
    it. An engine a caller still holds is handed out again, not loaded twice."""
    import gc
    import weakref

    from cotscope.models import _engine

    adapted = resolve_local_model("smollm2", adapter=lora_adapter)
    first = weakref.ref(get_engine(adapted))
    get_engine(adapted, dtype="bfloat16")
    assert first() is not None  # two loaded: both cached
    get_engine(resolve_local_model("smollm2"), dtype="bfloat16")
    gc.collect()
    assert first() is None  # the least recently used is gone, weights and all
    assert len(_engine._engines) == _engine.MAX_LOADED_ENGINES
    # The session's base engine was dropped from the cache long ago, but the fixture
    # holds it: asking again returns that very engine.
    assert get_engine(resolve_local_model("smollm2")) is engine
