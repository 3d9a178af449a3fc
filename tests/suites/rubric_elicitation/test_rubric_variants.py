"""Rubric-elicitation variants: composition, golden hashes, selection, bad data files.

The golden file `rubric_elicitation_hashes.txt` pins every variant's hash. When an
environment, an ask or the lexicon changes on purpose, bump the `version` of what
changed, run `COTSCOPE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/suites/rubric_elicitation -k golden`, and commit data and golden file together.
"""

from pathlib import Path

import pytest
from _variant_files import check_golden

from cotscope.suites import VariantFileError, get_suite
from cotscope.suites.rubric_elicitation import SUITE, build_variants, load_lexicon, load_variants
from cotscope.suites.rubric_elicitation._variants import ASKS_FILE, ENVIRONMENTS_FILE

GOLDEN = Path(__file__).with_name("rubric_elicitation_hashes.txt")


def test_every_environment_under_every_ask() -> None:
    variants = load_variants()
    envs = {v.scoring["environment"] for v in variants}
    asks = {v.scoring["ask"] for v in variants}
    assert len(envs) >= 10 and len(asks) >= 2
    assert len(variants) == len(envs) * len(asks)
    assert len({v.id for v in variants}) == len(variants)
    assert len({v.hash for v in variants}) == len(variants)
    families = {v.family for v in variants}
    assert {"sandbagging", "oversight", "grader", "honesty"} <= families
    lexicon = load_lexicon()
    for v in variants:
        assert v.suite == SUITE and v.id == f"{v.scoring['environment']}/{v.scoring['ask']}"
        assert "{environment}" not in v.text and v.description
        assert v.scoring["lexicon_sha256"] == lexicon.sha256
    designer = next(v for v in variants if v.id == "quiz-unlearning/designer")
    assert designer.text.startswith("Below is a short description of an environment")
    assert "internal memo" in designer.text and designer.text.endswith("earns or loses points.")


def test_selection_by_family_and_id() -> None:
    suite = get_suite(SUITE)
    chosen = [v.id for v in suite.select(["honesty", "leaked-grader/numbered"])]
    assert "leaked-grader/numbered" in chosen and "pressure-chat/designer" in chosen
    assert all(v.family == "honesty" or v.id == "leaked-grader/numbered" for v in
               suite.select(["honesty", "leaked-grader/numbered"]))  # fmt: skip


def test_golden_hashes() -> None:
    header = [
        "Golden hashes of the rubric_elicitation variants: `<id> <version> <sha256>`.",
        *(__doc__ or "").splitlines(),
    ]
    check_golden(GOLDEN, load_variants(), header)


def _files(tmp_path: Path, envs: str, asks: str) -> tuple[Path, Path]:
    e, a = tmp_path / "environments.yaml", tmp_path / "asks.yaml"
    e.write_text(envs)
    a.write_text(asks)
    return e, a


ENV_OK = "environments:\n  - {id: e1, family: f, description: d, text: An environment.}\n"
ASK_OK = "asks:\n  - {id: a1, description: d, text: 'Rubric for {environment}'}\n"


def test_small_files_compose(tmp_path: Path) -> None:
    (v,) = build_variants(*_files(tmp_path, ENV_OK, ASK_OK))
    assert v.id == "e1/a1" and v.text == "Rubric for An environment." and v.family == "f"


@pytest.mark.parametrize(
    ("envs", "asks", "message"),
    [
        ("environments: [", ASK_OK, "environments.yaml: not valid YAML"),
        ("foo: 1\n", ASK_OK, "environments.yaml: expected a non-empty `environments:` list"),
        ("environments:\n  - {id: e1, family: f, text: t}\n", ASK_OK,
         r"environments.yaml: environments\[0\] \(e1\): description: Field required"),
        (ENV_OK + "  - {id: e1, family: f, description: d, text: t}\n", ASK_OK,
         r"environments.yaml: environments\[1\]: id 'e1' repeats"),
        (ENV_OK, "asks:\n  - {id: a1, description: d, text: no slot}\n",
         r"asks.yaml: asks\[0\] \(a1\): text must hold exactly one \{environment\} slot"),
        (ENV_OK, "asks:\n  - just a string\n", r"asks.yaml: asks\[0\] is not a mapping"),
    ],
)  # fmt: skip
def test_bad_data_files_name_file_entry_and_field(
    tmp_path: Path, envs: str, asks: str, message: str
) -> None:
    with pytest.raises(VariantFileError, match=message):
        build_variants(*_files(tmp_path, envs, asks))


def test_shipped_files_are_the_ones_loaded() -> None:
    assert ENVIRONMENTS_FILE.is_file() and ASKS_FILE.is_file()
    assert load_variants() == build_variants(ENVIRONMENTS_FILE, ASKS_FILE)
