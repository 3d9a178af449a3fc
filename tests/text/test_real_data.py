"""The splitter and the merged eval-awareness lexicon on a real RL run's rollouts.

`reasoning-under-pressure` holds two verl validation dumps (1,000 rollouts of
DeepSeek-R1-Distill-Qwen-1.5B) whose `output` starts inside the thought: the CoT up
to `</think>`, then `<reasoning>…</reasoning>` and `<measurements>…</measurements>`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cotscope.text import (
    KNOWN_MARKERS,
    THINK,
    THINKING,
    PhraseMatcher,
    resolve_lexicon,
    split_reasoning,
)

from ._brute import brute_force

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "reasoning-under-pressure"


def _outputs() -> list[str]:
    files = sorted(DATA.glob("*.jsonl"))
    if not files:
        pytest.skip(f"shared test data not found at {DATA} (expected ../shared/data)")
    return [json.loads(line)["output"] for f in files for line in f.open(encoding="utf-8")]


def test_reasoning_is_the_text_before_the_closing_marker() -> None:
    outputs = _outputs()
    assert len(outputs) == 1000
    closed = 0
    for out in outputs:
        split = split_reasoning(out, [THINK, THINKING])  # ingest's markers
        cut = out.find("</think>")
        if cut == -1:  # one rollout never closed its thought: all of it is visible
            assert not split.found and split.visible == out.strip()
            continue
        closed += 1
        assert split.block_spans[0] == (0, cut)
        assert split.reasoning_text == out[:cut].strip()
        assert split.visible == out[cut + len("</think>") :].strip()
    assert closed == 999
    # The answer parsers also drop the <reasoning> block that follows; what is left
    # is the measurements (and the whitespace around the removed block).
    for out in outputs[:50]:
        answer = " ".join(split_reasoning(out, KNOWN_MARKERS).visible_parts)
        assert "<reasoning>" not in answer and "</think>" not in answer
        if "<measurements>" in out:
            assert answer.strip().startswith("<measurements>")


def test_merged_eval_awareness_phrases_equal_a_brute_force_scan() -> None:
    outputs = _outputs()
    lexicon = resolve_lexicon("eval-awareness")
    phrases = lexicon.lexicons[0].phrases
    assert "a test" in phrases and "alignment test" in phrases  # both lists' entries
    matcher = PhraseMatcher(phrases)
    total = 0
    for out in outputs:
        got = [(s.start, s.end, s.phrase) for s in matcher.find_all(out)]
        assert got == brute_force(out, phrases), out[:80]
        total += len(got)
    assert total > 50  # "This is a test" is a test-case input in these rollouts


def test_lexicon_hits_are_phrase_or_pattern_hits_outside_exclusions() -> None:
    outputs = _outputs()
    lexicon = resolve_lexicon("eval-awareness")
    (own,) = lexicon.lexicons
    patterns = [re.compile(p, re.IGNORECASE) for p in own.patterns]
    exclude = [re.compile(p, re.IGNORECASE) for p in own.exclude]
    flagged = 0
    for out in outputs:
        hits = lexicon.matcher.find(out)
        flagged += bool(hits)
        excluded = [(m.start(), m.end()) for x in exclude for m in x.finditer(out)]
        phrase_spans = {(s, e) for s, e, _ in brute_force(out, own.phrases)}
        for h in hits:
            assert out[h.start : h.end] == h.text
            assert not any(h.start < e and s < h.end for s, e in excluded)
            if h.rule in own.phrases:
                assert (h.start, h.end) in phrase_spans
            else:
                assert any(m.span() == (h.start, h.end) for m in re.finditer(
                    own.patterns[own.patterns.index(h.rule)], out, re.IGNORECASE
                ))  # fmt: skip
        assert all(b.start >= a.end for a, b in zip(hits, hits[1:], strict=False))
    assert flagged > 0 and patterns
