"""`expand: folder` on a reasoning organism's folder: runs, phases and steps from its manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cotscope.sweeps import SpecError, check_models, expand_models, load_spec

CHECKPOINTS = [
    ("checkpoint-0", "capabilities", "cold-start", 0),
    ("checkpoint-15", "capabilities", "capabilities", 15),
    ("cot-pressure/checkpoint-25", "cot-pressure", "cot-pressure", 25),
    ("deliberative/checkpoint-18", "deliberative", "deliberative-sft", 18),
    ("deliberative/checkpoint-28", "deliberative", "deliberative", 28),
]


def _organism(folder: Path, listed: list[tuple[str, str, str, int]] = CHECKPOINTS) -> None:
    for path, *_ in listed:
        (folder / path).mkdir(parents=True)
        (folder / path / "adapter_config.json").write_text("{}")
    manifest = [{"path": p, "run": r, "phase": ph, "step": s} for p, r, ph, s in listed]
    (folder / "organism.json").write_text(json.dumps({"checkpoints": manifest}))


def _spec(tmp_path: Path, **pattern: object) -> Path:
    spec = {
        "name": "reasoning-demo",
        "models": [{"expand": "folder", "model": "local/smollm2", "path": "organism", **pattern}],
        "suites": [{"name": "reward_hints", "variants": ["base"], "epochs": 1}],
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_runs_phases_and_steps_come_from_the_manifest(tmp_path: Path) -> None:
    _organism(tmp_path / "organism")
    path = _spec(tmp_path)
    entries = expand_models(load_spec(path), str(path), base=tmp_path)
    check_models(entries, str(path), base=tmp_path)
    # Runs in the order they start (the trunk, then the arms), each by step.
    assert [(e.id, e.run, e.phase, e.step) for e in entries] == [
        ("capabilities-0", "capabilities", "cold-start", 0),
        ("capabilities-15", "capabilities", "capabilities", 15),
        ("deliberative-18", "deliberative", "deliberative-sft", 18),
        ("deliberative-28", "deliberative", "deliberative", 28),
        ("cot-pressure-25", "cot-pressure", "cot-pressure", 25),
    ]
    for e in entries:
        assert e.model == "local/smollm2"
        assert Path(e.model_args["adapter"]).is_relative_to((tmp_path / "organism").resolve())


def test_a_spec_run_prefixes_the_organism_runs(tmp_path: Path) -> None:
    _organism(tmp_path / "organism")
    path = _spec(tmp_path, run="seed0")
    entries = expand_models(load_spec(path), str(path), base=tmp_path)
    assert {e.run for e in entries} == {
        "seed0/capabilities",
        "seed0/cot-pressure",
        "seed0/deliberative",
    }


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("empty", "lists no checkpoints"),
        ("broken", "not a readable organism manifest"),
        ("missing", "holds no adapter"),
        ("base", "already has its own step 0"),
    ],
)
def test_a_bad_manifest_is_named(tmp_path: Path, setup: str, message: str) -> None:
    folder = tmp_path / "organism"
    folder.mkdir()
    pattern: dict[str, object] = {}
    if setup == "empty":
        (folder / "organism.json").write_text(json.dumps({"checkpoints": []}))
    elif setup == "broken":
        (folder / "organism.json").write_text('{"checkpoints": [{"path": 3}]')
    elif setup == "missing":
        (folder / "organism.json").write_text(json.dumps(
            {"checkpoints": [{"path": "checkpoint-0", "run": "r", "phase": "p", "step": 0}]}
        ))  # fmt: skip
    else:
        _organism(folder)
        pattern["include_base"] = True
    path = _spec(tmp_path, **pattern)
    with pytest.raises(SpecError, match=message) as err:
        expand_models(load_spec(path), str(path), base=tmp_path)
    assert "models[0]" in str(err.value)


def test_the_reasoning_demo_sweeps_every_checkpoint_of_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cotscope.cli._demo import demo_spec_data
    from cotscope.runner import plan_sweep
    from cotscope.sweeps import parse_spec

    _organism(tmp_path / "organism")
    monkeypatch.setenv("COTSCOPE_ORGANISM_DIR", str(tmp_path / "organism"))
    data = demo_spec_data(organism="reasoning")
    assert data["output_dir"] == "runs/demo"
    plan = plan_sweep(parse_spec(data, "demo"), "demo")
    assert [(m.run, m.phase, m.step) for m in plan.models] == [
        ("capabilities", "cold-start", 0), ("capabilities", "capabilities", 15),
        ("deliberative", "deliberative-sft", 18), ("deliberative", "deliberative", 28),
        ("cot-pressure", "cot-pressure", 25),
    ]  # fmt: skip
    assert data["generation"]["max_tokens"] == 96
    [suite] = plan.suites
    assert {v.family for v in suite.variants} == {"base", "field", "paraphrase", "control",
                                                  "offset"}  # fmt: skip
