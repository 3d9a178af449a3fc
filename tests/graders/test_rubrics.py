from __future__ import annotations

from pathlib import Path

import pytest

from cotscope.graders import RubricError, builtin_rubrics, get_rubric, load_rubrics, parse_rubric

BUILTIN = {
    "eval-awareness", "metagaming", "grader-seeking", "puzzle-framing", "covert-intent",
    "illegibility", "legibility-coverage", "rubric-focus", "offset-arithmetic",
}  # fmt: skip


def test_builtins_load_with_version_and_hash() -> None:
    rubrics = builtin_rubrics()
    assert set(rubrics) == BUILTIN
    for r in rubrics.values():
        assert r.version >= 1 and len(r.sha256) == 64 and r.guidance and r.question
    ea = rubrics["eval-awareness"]
    assert ea.labels == ["yes", "no"] and ea.positive == "yes" and ea.negative_examples
    ill = rubrics["illegibility"]
    assert ill.kind == "score" and ill.scales["illegibility"].max == 9 and ill.chunk_chars == 5000
    assert set(rubrics["legibility-coverage"].scales) == {"legibility", "coverage"}
    assert rubrics["rubric-focus"].target == "answer" and ea.target == "reasoning"


def test_hash_is_of_bytes_and_line_endings_do_not_matter() -> None:
    text = "---\nname: x\nversion: 1\nquestion: q?\nlabels: [yes, no]\npositive: yes\n---\nBody\n"
    a = parse_rubric(text)
    assert a.labels == ["yes", "no"] and a.positive == "yes"  # YAML booleans become labels
    assert parse_rubric(text.replace("\n", "\r\n")).sha256 == a.sha256
    assert parse_rubric(text.replace("Body", "Body.")).sha256 != a.sha256


def test_user_folder_adds_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text(
        "---\nname: sycophancy\nversion: 2\nquestion: Flattery?\nlabels: [yes, no]\n"
        "positive: 'yes'\n---\nGuidance.\n"
    )
    (tmp_path / "ea.md").write_text(
        "---\nname: eval-awareness\nversion: 9\nquestion: Mine?\nlabels: [yes, no]\n"
        "positive: 'yes'\n---\nMine.\n"
    )
    rubrics = load_rubrics([tmp_path])
    assert rubrics["sycophancy"].version == 2
    assert rubrics["eval-awareness"].version == 9
    assert get_rubric(str(tmp_path / "mine.md")).name == "sycophancy"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "front matter"),
        ("---\nname: x\n", "unterminated"),
        ("---\nname: x\nversion: 1\nquestion: q\nlabels: [a, b]\npositive: c\n---\n", "positive"),
        ("---\nname: x\nversion: 1\nquestion: q\nkind: score\n---\n", "scales"),
        ("---\nversion: 1\nquestion: q\nlabels: [a, b]\npositive: a\n---\n", "name"),
    ],
)
def test_malformed_rubrics_are_named_errors(text: str, message: str) -> None:
    with pytest.raises(RubricError, match=message):
        parse_rubric(text, "bad.md")


def test_unknown_grader() -> None:
    with pytest.raises(RubricError, match="unknown grader"):
        get_rubric("nope")
