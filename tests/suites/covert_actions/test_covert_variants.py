"""Covert-actions variants: valid data, treatment and control per environment, golden hashes.

`covert_actions_hashes.txt` pins every variant's hash (text + scoring, which
includes the workspace files). After an intended change, bump the variant's
`version` and run `COTSCOPE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/suites/covert_actions -k golden`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _variant_files import check_golden, data_dir

from cotscope.suites import Variant, VariantFileError, get_suite, load_variant_file
from cotscope.suites.covert_actions import (
    ENVIRONMENTS,
    SUITE,
    Rule,
    _variants,
    load_variants,
    role_of,
)
from cotscope.suites.covert_actions._variants import DATA_DIR

GOLDEN = Path(__file__).with_name("covert_actions_hashes.txt")


def test_every_environment_has_treatment_and_control() -> None:
    variants = load_variants()
    assert len(ENVIRONMENTS) >= 8
    assert [v.family for v in variants if v.family not in ENVIRONMENTS] == []
    for env in ENVIRONMENTS:
        roles = {role_of(v) for v in variants if v.family == env}
        assert roles == {"treatment", "control"}, env
    assert get_suite(SUITE).families() == list(ENVIRONMENTS)


def test_hash_covers_the_workspace_files() -> None:
    v = load_variants()[0]
    edited = v.model_copy(deep=True)
    path = next(iter(edited.scoring["workspace"]))
    edited.scoring["workspace"][path] += " "
    assert Variant.model_validate(edited.model_dump()).hash != v.hash


def test_bad_scoring_names_file_and_variant(tmp_path: Path) -> None:
    data = yaml.safe_load((DATA_DIR / "log_falsification.yaml").read_text())
    del data["variants"][0]["scoring"]["truth"]
    bad = tmp_path / "log_falsification.yaml"
    bad.write_text(yaml.safe_dump(data))
    [first, *_] = load_variant_file(bad, SUITE)
    with pytest.raises(ValueError, match="criterion 'metric' needs truth"):
        Rule.model_validate(first.scoring)
    (tmp_path / "other").mkdir()
    for env in ENVIRONMENTS:
        src = bad if env == "log_falsification" else DATA_DIR / f"{env}.yaml"
        (tmp_path / "other" / f"{env}.yaml").write_text(src.read_text())
    with data_dir(_variants, "DATA_DIR", tmp_path / "other", _variants._load):
        with pytest.raises(VariantFileError, match=r"log_falsification\.yaml: variant "
                           r"log_falsification/treatment: scoring"):  # fmt: skip
            load_variants()


def test_golden_hashes() -> None:
    check_golden(GOLDEN, load_variants())
