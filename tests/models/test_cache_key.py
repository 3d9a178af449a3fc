"""Two checkpoints must never share Inspect cache entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspect_ai.model import CachePolicy, ChatMessageUser, GenerateConfig
from inspect_ai.model._cache import CacheEntry

from cotscope.models._provider import LocalModelAPI


def _adapter(folder: Path, payload: bytes) -> str:
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    (folder / "adapter_model.safetensors").write_bytes(payload)
    return str(folder)


def _key(api: LocalModelAPI) -> str:
    entry = CacheEntry(
        base_url=api.base_url,
        config=GenerateConfig(temperature=0.0, max_tokens=8, seed=1),
        input=[ChatMessageUser(content="What is 2+2?", id="fixed")],
        model="local/smollm2",
        policy=CachePolicy(),
        tool_choice=None,
        tools=[],
    )
    return entry.key


def test_adapters_get_distinct_cache_keys(tmp_path: Path) -> None:
    base = LocalModelAPI("smollm2")
    a = LocalModelAPI("smollm2", adapter=_adapter(tmp_path / "a", b"step 100"))
    b = LocalModelAPI("smollm2", adapter=_adapter(tmp_path / "b", b"step 200"))
    assert base.base_url == f"local://{base.resolved.fingerprint}"
    keys = {_key(base), _key(a), _key(b)}
    assert len(keys) == 3
    # Same weights, same key: the cache is shared where it should be.
    again = LocalModelAPI("smollm2", adapter=str(tmp_path / "b"), max_batch_size=4)
    assert _key(again) == _key(b)


def test_output_changing_args_change_the_key() -> None:
    base = LocalModelAPI("smollm2")
    assert _key(LocalModelAPI("smollm2", dtype="bfloat16")) != _key(base)
    assert _key(LocalModelAPI("smollm2", think_start="<reason>")) != _key(base)


def test_unknown_model_arg_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        LocalModelAPI("smollm2", max_batch=3)


def test_connections_fill_batches() -> None:
    assert LocalModelAPI("smollm2", max_batch_size=8).max_connections() == 16
