"""Sentence segmentation and edit plans on synthetic edge cases and real CoTs."""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import pytest

from cotscope.interventions import (
    EditError,
    injection_point,
    neutral_sentence,
    parse_target,
    plan_inject,
    plan_remove,
    plan_truncate,
    segment,
    target_sentences,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def _texts(text: str) -> list[str]:
    return [s.text for s in segment(text)]


def test_prose_with_abbreviations_and_decimals() -> None:
    text = "The value is 3.14 here. See e.g. Dr. Smith on the U.S. case! Is it odd? Yes."
    assert _texts(text) == [
        "The value is 3.14 here.",
        "See e.g. Dr. Smith on the U.S. case!",
        "Is it odd?",
        "Yes.",
    ]


def test_lists_code_and_equations_are_units() -> None:
    text = (
        "Plan:\n1. Read the task. Then think.\n2. Answer\n- bullet one\n"
        "```python\nx = 1. \nprint(x)\n```\nSo $$a = b. c$$ holds.\n\\[ y = 2. \\]"
    )
    got = _texts(text)
    assert got[:5] == ["Plan:", "1. Read the task.", "Then think.", "2. Answer", "- bullet one"]
    assert "```python\nx = 1. \nprint(x)\n```" in got
    assert "$$a = b. c$$" in got
    assert "\\[ y = 2. \\]" in got


def test_no_punctuation_is_chunked() -> None:
    text = " ".join(f"w{i}" for i in range(130))
    got = segment(text, max_words=60)
    assert [len(s.text.split()) for s in got] == [60, 60, 10]


def test_spans_cover_every_character() -> None:
    text = "A b.  C d?\n\n  E f\tg.  "
    sents = segment(text)
    assert all(text[s.start : s.end] == s.text for s in sents)
    covered = "".join(s.text for s in sents)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)


def _real_cots() -> list[str]:
    cots = []
    for f in glob.glob(str(DATA / "thought-branches/faithfulness/good_problems/*.json")):
        cots += [r["reasoning_text"] for r in json.loads(Path(f).read_text())[:15]]
    for f in glob.glob(
        str(DATA / "odd-number-forensics-theamankumarsingh/**/*thinking*.txt"), recursive=True
    ):
        cots.append(Path(f).read_text())
    return cots


def test_real_cots_segment_losslessly() -> None:
    cots = _real_cots()
    if not cots:
        pytest.skip("shared data not present")
    for cot in cots:
        sents = segment(cot)
        assert len(sents) >= 5
        assert all(cot[s.start : s.end] == s.text and s.text == s.text.strip() for s in sents)
        assert all(a.end <= b.start for a, b in zip(sents, sents[1:], strict=False))
        assert re.sub(r"\s", "", "".join(s.text for s in sents)) == re.sub(r"\s", "", cot)
        assert max(len(s.text.split()) for s in sents) <= 60


def test_real_cot_remove_and_inject() -> None:
    cots = _real_cots()
    if not cots:
        pytest.skip("shared data not present")
    cot = cots[0]
    sents = segment(cot)
    spec = parse_target("regex:option (a|b)")
    targets = target_sentences(sents, spec.find(cot))
    assert targets
    plan = plan_remove(cot, sents, targets)
    edited, base = plan.arms
    first = sents[targets[0]]
    assert base.prefix == cot[: first.end] and base.prefix.startswith(edited.prefix)
    assert not spec.find(edited.prefix)
    assert base.mark is not None and base.prefix[base.mark[0] : base.mark[1]] == first.text
    swapped = plan_remove(cot, sents, targets, control="Let me look again.")
    c = swapped.arm("control")
    assert c is not None and c.mark is not None and c.prefix.startswith(edited.prefix)
    assert c.prefix[c.mark[0] : c.mark[1]] == "Let me look again." and not spec.find(c.prefix)
    with pytest.raises(EditError, match="keep-rest"):
        plan_remove(cot, sents, targets, keep_rest=True, control="Let me look again.")
    off = plan_remove(cot, sents, targets, keep_rest=True)
    assert all(sents[i].text not in off.arms[0].prefix for i in targets)
    assert off.arms[1].prefix == cot.rstrip()
    site = injection_point(sents, "random", targets, "key")
    assert site == injection_point(sents, "random", targets, "key")
    inj = plan_inject(cot, sents, site, "This might be an alignment test.", "Let me think.")
    e = inj.arm("edited")
    c = inj.arm("control")
    assert e is not None and c is not None and e.mark is not None and c.mark is not None
    assert e.prefix[e.mark[0] : e.mark[1]] == "This might be an alignment test."
    assert c.prefix[c.mark[0] : c.mark[1]] == "Let me think."
    assert not e.prefix.endswith(" ")


def test_edit_errors_and_controls() -> None:
    sents = segment("One. Two.")
    with pytest.raises(EditError):
        plan_remove("One. Two.", sents, [])
    with pytest.raises(EditError):
        injection_point(sents, "before-target", [], "k")
    with pytest.raises(EditError):
        plan_truncate("One. Two.", sents, 5)
    start = plan_inject("One. Two.", sents, 0, "Injected.", None)
    assert [a.prefix for a in start.arms] == ["Injected.", ""]
    end = plan_inject("One. Two.", sents, 2, "Injected.", None)
    assert end.arms[0].prefix == "One. Two. Injected."
    trunc = plan_truncate("One. Two.", sents, 1)
    assert [a.prefix for a in trunc.arms] == ["One.", "One. Two."]
    pool = ["Okay.", "Let me think.", "I will go step by step."]
    assert neutral_sentence(pool, "This is a test.", "k") == "Let me think."


def test_target_specs() -> None:
    from cotscope.interventions import TargetError

    assert parse_target("lexical:eval-awareness").find("I am being TESTED here")
    assert not parse_target("lexical:eval-awareness").find("the contest is on")
    for bad in ("nope", "regex:(", "lexical:unknown", "foo:bar"):
        with pytest.raises(TargetError):
            parse_target(bad)
