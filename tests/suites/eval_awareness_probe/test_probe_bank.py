"""The transcript bank: size, balance, settings, ids, rendering, loader errors, golden hashes.

The golden file `eval_awareness_probe_hashes.txt` pins every variant's hash. When
a transcript or phrasing is changed on purpose:

1. edit it under `src/cotscope/suites/eval_awareness_probe/data/` and bump its `version`;
2. run `COTSCOPE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/suites/eval_awareness_probe -k golden`;
3. commit the data file and the golden file together.

The update refuses to record a changed hash whose `version` was not bumped.
"""

from collections import Counter
from pathlib import Path

import pytest
from _variant_files import check_golden, data_dir

from cotscope.suites import UnknownSelectionError, VariantFileError, get_suite
from cotscope.suites.eval_awareness_probe import (
    SUITE,
    Transcript,
    _bank,
    load_phrasings,
    load_transcripts,
    load_variants,
    make_variant,
    render_transcript,
)

GOLDEN = Path(__file__).with_name("eval_awareness_probe_hashes.txt")


def test_bank_has_100_items_balanced_across_classes_and_settings() -> None:
    items = load_transcripts()
    assert len(items) >= 100
    n_eval = sum(t.is_eval for t in items)
    assert abs(n_eval - len(items) / 2) <= 5
    cells = Counter((t.is_eval, t.setting) for t in items)
    assert all(
        cells[(truth, setting)] >= 10 for truth in (True, False) for setting in ("chat", "agentic")
    )
    assert all(2 <= len(t.turns) <= 8 for t in items)
    # Hard cases exist in both classes and say why their label holds.
    hard = [t for t in items if t.hard]
    assert {t.is_eval for t in hard} == {True, False}
    assert all(len(t.note) > 20 for t in hard)


def test_ids_unique_and_variants_are_every_transcript_times_every_phrasing() -> None:
    items, phrasings = load_transcripts(), load_phrasings()
    assert len({t.id for t in items}) == len(items)
    assert len(phrasings) >= 3 and {p.scale for p in phrasings} == {"percent", "unit"}
    variants = load_variants()
    assert len(variants) == len(items) * len(phrasings)
    assert len({v.id for v in variants}) == len(variants)
    assert len({v.hash for v in variants}) == len(variants)
    for v in variants:
        transcript, phrasing = v.id.rsplit("/", 1)
        assert v.suite == SUITE
        assert v.scoring["transcript"] == transcript and v.scoring["phrasing"] == phrasing
        assert v.family == ("eval-" if v.scoring["is_eval"] else "deploy-") + v.scoring["setting"]
        assert "{transcript}" not in v.text


def test_agentic_items_have_tool_turns_and_chat_items_none() -> None:
    for t in load_transcripts():
        tools = [x for x in t.turns if x.role in ("tool_call", "tool_result")]
        assert bool(tools) == (t.setting == "agentic"), t.id


def test_ground_truth_is_hashed_with_the_text() -> None:
    t = load_transcripts()[0]
    p = load_phrasings()[0]
    flipped = t.model_copy(update={"is_eval": not t.is_eval})
    a, b = make_variant(t, p), make_variant(flipped, p)
    assert a.text == b.text and a.hash != b.hash and a.family != b.family


def test_rendering_labels_every_role() -> None:
    t = Transcript.model_validate(
        {
            "id": "x-1", "is_eval": False, "setting": "agentic", "category": "c",
            "turns": [
                {"role": "system", "text": "sys"},
                {"role": "user", "text": "do it "},
                {"role": "tool_call", "tool": "bash", "text": "ls"},
                {"role": "tool_result", "tool": "bash", "text": "a.txt"},
                {"role": "assistant", "text": "done"},
            ],
        }
    )  # fmt: skip
    assert render_transcript(t) == (
        "[SYSTEM]\nsys\n\n[USER]\ndo it\n\n[ASSISTANT → bash]\nls\n\n[bash output]\na.txt"
        "\n\n[ASSISTANT]\ndone"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"turns": [{"role": "user", "text": "hi"}]}, "at least 2"),
        ({"id": "Bad Id"}, "lower-case"),
        ({"turns": [{"role": "user", "text": "a"}, {"role": "tool_call", "text": "ls"}]}, "tool"),
        ({"setting": "web"}, "setting"),
    ],
)
def test_malformed_items_are_rejected_naming_file_and_item(
    tmp_path: Path, entry: dict[str, object], message: str
) -> None:
    good = {
        "id": "ok-1", "is_eval": True, "setting": "chat", "category": "c",
        "turns": [{"role": "user", "text": "a"}, {"role": "assistant", "text": "b"}],
    }  # fmt: skip
    import yaml

    (tmp_path / "bank.yaml").write_text(yaml.safe_dump({"transcripts": [good, {**good, **entry}]}))
    with data_dir(_bank, "TRANSCRIPT_DIR", tmp_path, _bank.load_transcripts):
        with pytest.raises(VariantFileError, match=message) as info:
            _bank.load_transcripts()
    assert "bank.yaml" in str(info.value)
    assert str(entry.get("id", "ok-1")) in str(info.value)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    item = {
        "id": "dup", "is_eval": True, "setting": "chat", "category": "c",
        "turns": [{"role": "user", "text": "a"}, {"role": "assistant", "text": "b"}],
    }  # fmt: skip
    import yaml

    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"transcripts": [item]}))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({"transcripts": [item]}))
    with data_dir(_bank, "TRANSCRIPT_DIR", tmp_path, _bank.load_transcripts):
        with pytest.raises(VariantFileError, match=r"b\.yaml.*'dup' already in a\.yaml"):
            _bank.load_transcripts()


def test_selection_by_family_and_id() -> None:
    suite = get_suite(SUITE)
    assert suite.families() == sorted(suite.families(), key=suite.families().index)
    assert set(suite.families()) == {"eval-chat", "eval-agentic", "deploy-chat", "deploy-agentic"}
    chosen = suite.select(["eval-chat", "da-ci-failure/unit"])
    assert {v.family for v in chosen} == {"eval-chat", "deploy-agentic"}
    assert sum(v.family == "deploy-agentic" for v in chosen) == 1
    with pytest.raises(UnknownSelectionError, match="nope"):
        suite.select(["nope"])


def test_golden_hashes() -> None:
    header = [
        "Golden hashes of the eval_awareness_probe variants: `<id> <version> <sha256>`.",
        "Written by tests/suites/eval_awareness_probe/test_probe_bank.py (see its docstring).",
    ]
    check_golden(GOLDEN, load_variants(), header)
