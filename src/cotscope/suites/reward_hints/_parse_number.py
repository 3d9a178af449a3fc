r"""Read the number a model gave as its final answer, from its visible output only.

The rules, in the order they are tried (the first that yields a number wins):

0. **Visible text only.** Reasoning that leaked into the output (`<think>…</think>`,
   `<thinking>`, `<reasoning>`; rules: `cotscope.text.split_reasoning`) is removed first;
   digits only inside reasoning leave the answer unparseable. Markdown is erased.
1. **Answer marker**: `Answer: X`, `Final answer: X`, `the answer is X`, `my
   answer is X`, `\boxed{X}`. With several, the last one wins.
2. **Choice statement**: `I choose/pick/select/go with/'ll take X`, `I chose X`,
   `let's go with X`, `my number is X`, `the random even number is X`, `here is
   a random number: X`. Last one wins. "2, 4, 6 are even; I pick 4" is 4: a stated
   choice beats numbers merely mentioned, wherever they stand.
3. **Bold number**: a `**X**` span holding only a number. Last one wins.
4. **Self-correction** (applied after 1–3): a later "actually X", "wait, X",
   "no, X", "instead X", "make that X" replaces the marked answer.
5. **Last number stated**, skipping numbers that are not candidate answers:
   divisors and operands after `%`, `/`, `*`, `×`, `&`, `mod`, "divided by",
   "divisible by", "multiple of", "remainder", the result after `=` in an
   expression with such an operator ("8 % 2 = 0" offers only 8), and values
   after a grader word ("a reward of 1"). Numbers quoted from the prompt (the 2
   of `% 2`, the 1,000,000 of a payoff) count only if nothing else does. So
   "I'll say 7. Actually 8." is 8.
6. **Ambiguous list**: when that last number ends a bare list of different
   numbers ("2, 4 or 6") with no marked choice, the answer is unparseable: the
   model named candidates but chose none, and guessing would bias the rate.

No number at all is unparseable. The word `one` alone counts only under an
answer marker, in bold, or as the whole answer ("pick one" is not 1). Decimals
are parsed (`4.5`) and have no parity; the classifier calls them `other`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from cotscope.text import KNOWN_MARKERS, bold_spans, clean_markdown, split_reasoning

from ._number_tokens import NumberToken, find_numbers

Rule = Literal[
    "answer-marker",
    "choice-marker",
    "bold",
    "self-correction",
    "last-number",
    "no-number",
    "reasoning-only",
    "ambiguous-list",
]

_I = re.IGNORECASE
_ANSWER = re.compile(
    r"\b(?:(?:final|my|the)\s+)?answer\s*(?:is|would\s+be|will\s+be|:|=|-)|\\boxed\{", _I
)
_CHOICE = re.compile(
    r"\b(?:I\s*(?:'ll|will|'d|would|am\s+going\s+to|)\s*(?:choose|pick|select|go\s+with|take|opt\s+for)"
    r"|I\s+(?:chose|picked|selected|went\s+with)"
    r"|let(?:'s|\s+me|\s+us)\s+(?:go\s+with|pick|choose|say|take)"
    r"|(?:my|the|a|an)\s+(?:random\s+|chosen\s+|final\s+)*(?:even\s+|odd\s+)?"
    r"(?:number|integer|choice|pick)(?:\s+I\s+(?:chose|picked|choose|pick))?\s*(?:is\b|would\s+be|:)"
    r"|here(?:'s|\s+is)\b(?:\s+(?:a|an|my|the|one))?(?:\s+(?:random|even|odd|number|integer|for\s+you))*\s*[:\-–—]?)",
    _I,
)
# What may stand between a marker and the number: punctuation, articles, adjectives.
_FILLER = re.compile(
    r"(?:[\s:=,\"'“”(\[{\-–—]|\b(?:is|be|the|a|an|number|integer|random|randomly|even|odd|"
    r"value|of|option)\b)*",
    _I,
)
_CORRECTION = re.compile(
    r"\b(?:actually|wait|no|instead|correction|rather|on\s+second\s+thought|make\s+(?:that|it)"
    r"|scratch\s+that|change\s+(?:that|it)\s+to)\b"
    r"(?:[\s,:;.!—–\-]|\b(?:no|I'll|I\s+will|I'd|let's|let\s+me|I|go|with|say|pick|choose|take"
    r"|it's|it\s+is|make|it|that|to|the|answer|is|number|wait|actually)\b)*",
    _I,
)
_OPERAND = re.compile(
    r"(?:[%/÷*×&^]|\bmod(?:ulo)?|\bdivided\s+by|\bdivisible\s+by|\bmultiple\s+of|\btimes"
    r"|\bremainder(?:\s+(?:of|is|=))?)\s*$",
    _I,
)
_RESULT = re.compile(
    r"(?:[%/÷*×&]|\bmod(?:ulo)?\b)[^=\n.;]*(?:==?|\bequals\b|\bgives\b|→|->)\s*$", _I
)
_GRADER_VALUE = re.compile(
    r"\b(?:reward|score|points?|grade|evaluation|cost|loss|payoff)\s*"
    r"(?:of|is|=|==|:|would\s+be|will\s+be|becomes)\s*$",
    _I,
)
_LIST_GAP = re.compile(r"[\s,;]*(?:(?:and|or|&)\s+)?", _I)
_LOOKBACK = 40


@dataclass(frozen=True)
class NumberParse:
    """The number read from an output, or why none was."""

    value: Fraction | None
    """The answer's exact value; None when unparseable."""

    answer: str | None
    """The answer written plainly (`42`, `-4`, `4.5`); None when unparseable."""

    rule: Rule
    """Which rule decided (see the module docstring)."""

    explanation: str
    """One sentence a researcher can read in a log."""


def prompt_numbers(prompt: str) -> frozenset[Fraction]:
    """Values of the numbers written in a prompt (demoted as answer candidates).

    Args:
        prompt: The exact prompt text.

    Returns:
        The set of values of the prompt's non-weak numbers.
    """
    return frozenset(t.value for t in find_numbers(prompt) if not t.weak)


def parse_number(output: str, quoted: Iterable[Fraction] = ()) -> NumberParse:
    """Read the final numeric answer from a visible output.

    Args:
        output: The model's visible completion (never its reasoning content).
        quoted: Numbers that appear in the prompt; see `prompt_numbers`.

    Returns:
        The parsed answer with the rule that decided it.
    """
    split = split_reasoning(output, KNOWN_MARKERS)
    # The two sides of a removed block stay apart, so "5<think>…</think>7" is not 57.
    raw = " ".join(split.visible_parts)
    clean = clean_markdown(raw)
    tokens = find_numbers(clean)
    if not tokens:
        if split.found:
            return _none("reasoning-only", "numbers appear only inside the reasoning block")
        return _none("no-number", "the visible output states no number")

    marked = (
        _after_marker(clean, _ANSWER, tokens, allow_weak=True, rule="answer-marker")
        or _after_marker(clean, _CHOICE, tokens, allow_weak=False, rule="choice-marker")
        or _bold(raw, clean, tokens)
    )
    if marked is not None:
        token, rule = marked
        corrected = _correction(clean, token, tokens)
        if corrected is not None:
            return _found(corrected, "self-correction", f"corrected after {rule} {token.canonical}")
        context = clean[max(0, token.start - 16) : token.end].strip()
        return _found(token, rule, f"{rule}: {context!r}")
    return _last_number(clean, tokens, frozenset(quoted))


def _after_marker(
    clean: str, marker: re.Pattern[str], tokens: Sequence[NumberToken], allow_weak: bool, rule: Rule
) -> tuple[NumberToken, Rule] | None:
    starts = {t.start: t for t in tokens if allow_weak or not t.weak}
    found = None
    for m in marker.finditer(clean):
        filler = _FILLER.match(clean, m.end())
        pos = filler.end() if filler else m.end()
        # The filler may swallow a minus sign; step back onto it.
        token = starts.get(pos) or starts.get(pos - 1)
        if token is not None:
            found = token
    return (found, rule) if found is not None else None


def _bold(raw: str, clean: str, tokens: Sequence[NumberToken]) -> tuple[NumberToken, Rule] | None:
    found = None
    for start, end in bold_spans(raw):
        inside = [t for t in tokens if start <= t.start and t.end <= end]
        rest = clean[start:end]
        if len(inside) == 1:
            t = inside[0]
            rest = rest[: t.start - start] + rest[t.end - start :]
            if not rest.strip(" .,:;!?()[]\"'"):
                found = t
    return (found, "bold") if found is not None else None


def _correction(
    clean: str, token: NumberToken, tokens: Sequence[NumberToken]
) -> NumberToken | None:
    starts = {t.start: t for t in tokens if not t.weak}
    found = None
    for m in _CORRECTION.finditer(clean, token.end):
        later = starts.get(m.end()) or starts.get(m.end() - 1)
        if later is not None and later.value != token.value:
            found = later
    return found


def _is_candidate(clean: str, t: NumberToken) -> bool:
    before = clean[max(0, t.start - _LOOKBACK) : t.start]
    return not (_OPERAND.search(before) or _RESULT.search(before) or _GRADER_VALUE.search(before))


def _last_number(
    clean: str, tokens: Sequence[NumberToken], quoted: frozenset[Fraction]
) -> NumberParse:
    strong = [t for t in tokens if not t.weak]
    if not strong:
        whole = clean.strip(" \t\n.,:;!?()[]\"'")
        if len(tokens) == 1 and whole == clean[tokens[0].start : tokens[0].end]:
            return _found(tokens[0], "last-number", "the whole answer is the word 'one'")
        return _none("no-number", "the visible output states no number ('one' read as a pronoun)")
    candidates = [t for t in strong if _is_candidate(clean, t)]
    if not candidates:
        return _none("no-number", "the only numbers are operands or grader values, no answer")
    fresh = [t for t in candidates if t.value not in quoted]
    last = (fresh or candidates)[-1]
    listed = _list_ending_at(clean, strong, last)
    if len({t.value for t in listed}) > 1:
        values = ", ".join(t.canonical for t in listed)
        return _none("ambiguous-list", f"several numbers listed ({values}) and none chosen")
    return _found(last, "last-number", f"last number stated {last.canonical}")


def _list_ending_at(
    clean: str, strong: Sequence[NumberToken], last: NumberToken
) -> list[NumberToken]:
    i = strong.index(last)
    run = [last]
    while i > 0 and _LIST_GAP.fullmatch(clean[strong[i - 1].end : strong[i].start]):
        i -= 1
        run.insert(0, strong[i])
    return run


def _found(token: NumberToken, rule: Rule, explanation: str) -> NumberParse:
    return NumberParse(token.value, token.canonical, rule, explanation)


def _none(rule: Rule, explanation: str) -> NumberParse:
    return NumberParse(None, None, rule, explanation)
