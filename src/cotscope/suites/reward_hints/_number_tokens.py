"""Find the numbers stated in a text, written in digits or in English words.

Digits: an optional minus sign attached to the number (`-4`, `−4`; not `2-4`,
which is a range), thousands separators in groups of three (`4,000`), and an
optional decimal part (`4.5`). Digits glued to letters (`H2O`, `3rd`, `v2`) or
inside a version string (`1.2.3`) are not numbers.

Words: `zero` … `nineteen`, the tens, `hundred`, `thousand`, `million`,
`billion`, joined by spaces, hyphens or `and` (`forty-two`, `two hundred and
six`), with an optional `minus`/`negative`. A run that is not one well-formed
number splits into several (`two and four`, `one two`). The lone word `one` is
marked *weak*: it is usually a pronoun ("pick one", "this one"), so the parser
only reads it as a number where the answer is plainly a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

_DIGITS = re.compile(
    r"(?<![\w.])(?P<sign>[-−])?"
    r"(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<frac>\.\d+)?"
    r"(?!\w|\.\d)"
)
_WORD = re.compile(r"[A-Za-z]+")

_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine".split())}
_TEENS = {
    w: i + 10
    for i, w in enumerate(
        "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: (i + 2) * 10
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_NEGATORS = {"minus", "negative"}
_JOIN = re.compile(r"[\s-]+|\s+and\s+", re.IGNORECASE)


@dataclass(frozen=True)
class NumberToken:
    """One number found in a text."""

    value: Fraction
    """The number's exact value."""

    start: int
    """Offset of the first character."""

    end: int
    """Offset after the last character."""

    canonical: str
    """The number written plainly: `4000` for `4,000`, `42` for `forty-two`, `-4.5`."""

    weak: bool = False
    """True for the lone word `one`, which is usually a pronoun."""

    @property
    def is_integer(self) -> bool:
        """Whether the value is a whole number (so that it has a parity)."""
        return self.value.denominator == 1


def find_numbers(text: str) -> list[NumberToken]:
    """Every number in `text`, in order of position.

    Args:
        text: Any text (usually visible output after markdown cleanup).

    Returns:
        Non-overlapping number tokens sorted by start offset.
    """
    tokens = [_digit_token(m) for m in _DIGITS.finditer(text)]
    tokens += _word_tokens(text)
    return sorted(tokens, key=lambda t: t.start)


def _digit_token(m: re.Match[str]) -> NumberToken:
    plain = m.group("int").replace(",", "") + (m.group("frac") or "")
    value = Fraction(plain)
    if m.group("sign"):
        value = -value
    if value.denominator == 1:
        canonical = str(value.numerator)
    else:
        canonical = ("-" if value < 0 else "") + plain
    return NumberToken(value=value, start=m.start(), end=m.end(), canonical=canonical)


def _kind(word: str) -> str | None:
    w = word.lower()
    if w == "zero":
        return "zero"
    if w in _UNITS:
        return "unit"
    if w in _TEENS:
        return "teen"
    if w in _TENS:
        return "tens"
    if w == "hundred":
        return "hundred"
    if w in _SCALES:
        return "scale"
    return None


# Which kind of word may follow which inside one number ("forty two", "two hundred").
_NEXT = {
    None: {"zero", "unit", "teen", "tens"},
    "zero": set(),
    "unit": {"hundred", "scale"},
    "teen": {"hundred", "scale"},
    "tens": {"unit", "scale"},
    "hundred": {"unit", "teen", "tens", "scale"},
    "scale": {"unit", "teen", "tens"},
}


@dataclass
class _Building:
    start: int
    end: int = 0
    total: int = 0
    current: int = 0
    last: str | None = None
    last_scale: int = 10**12
    words: int = 0
    negative: bool = False

    def token(self) -> NumberToken:
        value = self.total + self.current
        if self.negative:
            value = -value
        weak = self.words == 1 and not self.negative and value == 1
        return NumberToken(Fraction(value), self.start, self.end, str(value), weak)


def _word_tokens(text: str) -> list[NumberToken]:
    out: list[NumberToken] = []
    cur: _Building | None = None
    pending_negator: tuple[int, int] | None = None  # (start, end) of "minus"
    for m in _WORD.finditer(text):
        word, kind = m.group(0), _kind(m.group(0))
        if cur is not None and word.lower() == "and":
            continue  # judged as part of the gap before the next word
        if cur is not None:
            gap = text[cur.end : m.start()]
            joined = _JOIN.fullmatch(gap) is not None
            and_gap = "and" in gap.lower()
            if (
                kind is None
                or not joined
                or kind not in _NEXT[cur.last]
                or (and_gap and cur.last not in {"hundred", "scale"})
                or (kind == "scale" and _SCALES[word.lower()] >= cur.last_scale)
            ):
                out.append(cur.token())
                cur = None
        if kind is None:
            negator = word.lower() in _NEGATORS
            pending_negator = (m.start(), m.end()) if negator else None
            continue
        if cur is None:
            if kind not in _NEXT[None]:
                pending_negator = None
                continue
            cur = _Building(start=m.start())
            if pending_negator and text[pending_negator[1] : m.start()].isspace():
                cur.start, cur.negative = pending_negator[0], True
            pending_negator = None
        _add_word(cur, word.lower(), kind)
        cur.end = m.end()
    if cur is not None:
        out.append(cur.token())
    return out


def _add_word(cur: _Building, word: str, kind: str) -> None:
    if kind in {"zero", "unit"}:
        cur.current += _UNITS[word]
    elif kind == "teen":
        cur.current += _TEENS[word]
    elif kind == "tens":
        cur.current += _TENS[word]
    elif kind == "hundred":
        cur.current *= 100
    else:
        scale = _SCALES[word]
        cur.total += cur.current * scale
        cur.current = 0
        cur.last_scale = scale
    cur.last = kind
    cur.words += 1
