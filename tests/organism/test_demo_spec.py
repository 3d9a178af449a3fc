"""A demo-style sweep spec over the shipped checkpoints validates and resolves adapters by step."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cotscope.organism import OrganismNotFoundError, shipped_organism_dir
from cotscope.sweeps import check_models, expand_models, load_spec


def _spec(path: Path, folder: str) -> Path:
    spec = {
        "name": "organism-demo",
        "models": [
            {
                "expand": "folder",
                "model": "local/smollm2",
                "path": folder,
                "include_base": True,
            }
        ],
        "suites": [{"name": "reward_hints", "variants": ["base", "control"], "epochs": 2}],
        "generation": {"temperature": 1.0, "max_tokens": 48, "seed": 0},
    }
    path.write_text(yaml.safe_dump(spec))
    return path


def _fake_run(folder: Path, steps: list[int]) -> None:
    for step in steps:
        ckpt = folder / f"checkpoint-{step}"
        ckpt.mkdir(parents=True)
        (ckpt / "adapter_config.json").write_text("{}")
        (ckpt / "adapter_model.safetensors").write_bytes(b"")


def test_expand_folder_orders_adapters_by_step_after_the_base(tmp_path: Path) -> None:
    _fake_run(tmp_path / "run", [12, 6, 48, 24])
    spec_path = _spec(tmp_path / "sweep.yaml", "run")
    spec = load_spec(spec_path)
    entries = expand_models(spec, str(spec_path), base=spec_path.parent)
    check_models(entries, str(spec_path), base=spec_path.parent)
    assert [e.id for e in entries] == ["step-0", "step-6", "step-12", "step-24", "step-48"]
    assert [e.step for e in entries] == [0, 6, 12, 24, 48]
    assert "adapter" not in entries[0].model_args
    for entry in entries[1:]:
        assert entry.model == "local/smollm2"
        assert Path(entry.model_args["adapter"]).name == f"checkpoint-{entry.step}"


def test_shipped_run_resolves_by_step(tmp_path: Path) -> None:
    try:
        shipped = shipped_organism_dir()
    except OrganismNotFoundError:
        pytest.skip("no shipped checkpoints in this tree")
    spec_path = _spec(tmp_path / "sweep.yaml", str(shipped))
    entries = expand_models(load_spec(spec_path), str(spec_path), base=spec_path.parent)
    check_models(entries, str(spec_path), base=spec_path.parent)
    steps = sorted(int(p.name.split("-")[-1]) for p in shipped.glob("checkpoint-*"))
    assert [e.step for e in entries] == [0, *steps]
    assert 6 <= len(entries) <= 11
    for entry in entries[1:]:
        adapter = Path(entry.model_args["adapter"])
        assert adapter == shipped / f"checkpoint-{entry.step}"
        assert (adapter / "adapter_model.safetensors").is_file()


def test_shipped_dir_honours_the_environment_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_run(tmp_path / "mine", [3])
    monkeypatch.setenv("COTSCOPE_ORGANISM_DIR", str(tmp_path / "mine"))
    assert shipped_organism_dir() == (tmp_path / "mine").resolve()
