"""Spec validation: every bad spec stops before a model loads, naming the field."""

from pathlib import Path

import pytest
import yaml

from cotscope.runner import plan_sweep
from cotscope.sweeps import SpecError, expand_models, load_spec, parse_spec


def _spec(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "t",
        "models": [{"id": "a", "model": "mockllm/model"}],
        "suites": [{"name": "reward_hints", "variants": ["base"], "epochs": 2}],
    }
    base.update(over)
    return base


def _write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "sweep.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def test_steps_restart_in_each_training_run(tmp_path: Path) -> None:
    models = [{"id": f"{r}-{s}", "model": "mockllm/model", "step": s, "run": r}
              for r in ("a", "b") for s in (0, 100)]  # fmt: skip
    plan = plan_sweep(load_spec(_write(tmp_path, _spec(models=models))), "sweep.yaml", tmp_path)
    assert [(m.run, m.step) for m in plan.models] == [("a", 0), ("a", 100), ("b", 0), ("b", 100)]
    models[1]["step"] = 0
    with pytest.raises(SpecError, match="models\\[1\\].step: steps of run 'a' must increase"):
        plan_sweep(load_spec(_write(tmp_path, _spec(models=models))), "sweep.yaml", tmp_path)


def test_valid_spec_plans(tmp_path: Path) -> None:
    plan = plan_sweep(load_spec(_write(tmp_path, _spec())), "sweep.yaml", tmp_path)
    assert [m.id for m in plan.models] == ["a"]
    assert plan.total_samples == 2


@pytest.mark.parametrize(
    ("over", "needle"),
    [
        ({"suites": [{"name": "nope"}]}, "suites[0].name: unknown suite 'nope'"),
        ({"suites": [{"name": "reward_hints", "variants": ["zzz"]}]}, "suites[0].variants"),
        (
            {"models": [{"id": "a", "model": "m/x"}, {"id": "a", "model": "m/y"}]},
            "models[1].id: duplicate id 'a'",
        ),
        (
            {
                "models": [
                    {"id": "a", "model": "m/x", "step": 200},
                    {"id": "b", "model": "m/x", "step": 100},
                ]
            },
            "models[1].step: steps must increase",
        ),
        (
            {"models": [{"id": "a", "model": "m/x", "step": 1}, {"id": "b", "model": "m/x"}]},
            "missing for b",
        ),
        (
            {
                "models": [
                    {"id": "a", "model": "local/smollm2", "model_args": {"adapter": "/no/such"}}
                ]
            },
            "models[0].model_args.adapter: no such adapter folder",
        ),
        ({"models": [{"id": "a", "model": "local/./missing.gguf"}]}, "no such local model path"),
        ({"models": [{"id": "a", "model": "m/x", "step": "ten"}]}, "models[0].step"),
        ({"suites": [{"name": "reward_hints", "epochs": 0}]}, "suites[0].epochs"),
        ({"models": []}, "models"),
        ({"name": "bad name!"}, "name"),
        ({"bogus": 1}, "bogus"),
        (
            {"models": [{"expand": "folder", "model": "local/smollm2", "path": "/no/such/dir"}]},
            "models[0].path: no such folder",
        ),
        (
            {
                "models": [
                    {"expand": "revisions", "model": "hf/x", "revisions": ["a", "b"], "steps": [1]}
                ]
            },
            "models[0].steps: give one step per revision",
        ),
    ],
)
def test_bad_specs_name_the_field(tmp_path: Path, over: dict[str, object], needle: str) -> None:
    with pytest.raises(SpecError) as info:
        spec = load_spec(_write(tmp_path, _spec(**over)))
        plan_sweep(spec, "sweep.yaml", tmp_path)
    assert needle in str(info.value)
    assert "sweep.yaml" in str(info.value)


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "sweep.yaml"
    p.write_text("name: t\nmodels: [\n  - oops: : :\n")
    with pytest.raises(SpecError, match=r"sweep.yaml: line \d+"):
        load_spec(p)


def test_missing_file() -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_spec("/no/such/sweep.yaml")


def test_folder_expansion_orders_by_step(tmp_path: Path) -> None:
    ckpts = tmp_path / "ckpts"
    for step in (100, 20, 3):
        d = ckpts / f"checkpoint-{step}"
        d.mkdir(parents=True)
        (d / "adapter_config.json").write_text("{}")
    (ckpts / "notes").mkdir()
    spec = parse_spec(
        _spec(
            models=[
                {
                    "expand": "folder",
                    "model": "local/smollm2",
                    "path": str(ckpts),
                    "include_base": True,
                }
            ]
        )
    )
    models = expand_models(spec)
    assert [m.step for m in models] == [0, 3, 20, 100]
    assert [m.id for m in models] == ["step-0", "step-3", "step-20", "step-100"]
    assert "adapter" not in models[0].model_args
    assert models[-1].model_args["adapter"].endswith("checkpoint-100")


def test_revisions_expansion() -> None:
    spec = parse_spec(
        _spec(
            models=[
                {
                    "expand": "revisions",
                    "model": "hf/org/m",
                    "revisions": ["r1", "r2"],
                    "steps": [10, 20],
                }
            ]
        )
    )
    models = expand_models(spec)
    assert [(m.id, m.model_args["revision"]) for m in models] == [
        ("step-10", "r1"),
        ("step-20", "r2"),
    ]


def test_spec_hash_changes_with_content() -> None:
    a, b = parse_spec(_spec()), parse_spec(_spec(name="u"))
    assert a.spec_hash() != b.spec_hash()
    assert a.spec_hash() == parse_spec(_spec()).spec_hash()


def test_demo_spec_is_valid() -> None:
    from cotscope.cli._demo import demo_spec_data

    plan = plan_sweep(parse_spec(demo_spec_data(organism="leaky-grader"), "demo"), "demo")
    steps = [m.step for m in plan.models]
    assert steps[0] == 0 and steps == sorted(steps) and len(steps) >= 2
    assert all("adapter" in m.model_args for m in plan.models[1:])
    # 26 variants: base 1, field 7, paraphrase 11, control 3, oversight 4; 8 epochs to start.
    assert plan.total_samples == len(plan.models) * 26 * 8
    [suite] = plan.suites
    assert suite.precision is not None and suite.precision.half_width == 0.10
    assert {v.family for v in suite.variants} == {
        "base",
        "field",
        "paraphrase",
        "control",
        "oversight",
    }
    full = plan_sweep(
        parse_spec(demo_spec_data(full=True, organism="leaky-grader"), "demo --full"), "demo --full"
    )
    assert not full.adaptive and full.total_samples == len(full.models) * 81 * 12
