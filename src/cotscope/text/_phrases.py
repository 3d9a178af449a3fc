"""Whole-phrase matching: one word-boundary rule, one case rule, spans out.

The rule, used by every lexicon (grader detectors, intervention targets, the
rubric-focus classifier):

* A phrase is words separated by whitespace or hyphens. In a text its words must
  appear in order, separated by any run of whitespace and hyphens: `red team`
  matches "red team", "red-team" and "red  team" alike (writers hyphenate freely).
* A match may not be preceded or followed by a word character (letter, digit,
  underscore) or a hyphen: a hyphenated compound is one word, so `test` does not
  match in "pre-test" or "test-driven". Any other character is a boundary, the
  apostrophe included, so `evaluator` matches in "the evaluator's view".
* Case is ignored (the text and the phrase are compared lower-cased).
* A straight apostrophe in a phrase also matches a typographic one (`’`).
* A trailing `*` matches any word ending, hyphens and apostrophes included:
  `honest*` matches honest, honesty, honestly.
* Where matches overlap, the leftmost wins, and of those starting at the same
  place the longest (`reward hack*` beats `reward*`); scanning resumes after it.

Speed: detectors run over millions of chains of thought, most of which hold no
phrase at all. Each phrase is gated by its words: only phrases whose every word occurs
somewhere in the lower-cased text (substring tests, far cheaper than a regex scan,
longest word first) are matched at all. The phrases that pass are matched by one
alternation regex (longest phrase first) for leftmost-longest spans, or each by its
own regex for every match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_SEP = re.compile(r"[\s-]+")
_SEP_RE = r"[\s-]+"
_BEFORE = r"(?<![\w-])"
_END = r"(?![\w-])"
_STAR_TAIL = r"[\w'’-]*"


@dataclass(frozen=True)
class PhraseSpan:
    """One phrase found in a text."""

    start: int
    """First character of the match."""
    end: int
    """One past the last character."""
    phrase: str
    """The phrase that matched, as written in its list."""


def _parts(phrase: str) -> tuple[list[str], bool]:
    body = phrase.strip()
    star = body.endswith("*")
    words = [w for w in _SEP.split(body.rstrip("*")) if w]
    if not words:
        raise ValueError(f"empty term {phrase!r}: a phrase needs at least one word")
    return [w.lower() for w in words], star


def _char(c: str) -> str:
    return "['’]" if c in "'’" else re.escape(c)


def _word(word: str) -> str:
    return "".join(_char(c) for c in word)


def phrase_regex(phrase: str) -> str:
    """Regex source matching `phrase` under the module's rule, in lower-cased text.

    Args:
        phrase: A phrase, e.g. `reward hack*`.

    Returns:
        The regex source (boundary before and after included).

    Raises:
        ValueError: The phrase has no word (empty, or only `*`).
    """
    return _BEFORE + _body(phrase)


def _body(phrase: str) -> str:
    # The regex between the two boundaries (a star phrase has no end boundary).
    words, star = _parts(phrase)
    return _SEP_RE.join(_word(w) for w in words) + (_STAR_TAIL if star else _END)


def _size(phrase: str) -> int:
    # Length of the phrase with separators collapsed: among phrases that match at one
    # place, a longer one has a longer match (star phrases are checked apart).
    words, _ = _parts(phrase)
    return len(" ".join(words))


def _gate(phrase: str) -> tuple[str, ...]:
    # The phrase's words, longest (usually rarest) first: each occurs verbatim in any
    # lower-cased text the phrase matches. A word with an apostrophe may be spelled
    # with `’` and is left out.
    words = {w for w in _parts(phrase)[0] if "'" not in w and "’" not in w}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


class PhraseMatcher:
    """A compiled list of phrases; see the module docstring for the matching rule."""

    def __init__(self, phrases: Iterable[str]) -> None:
        """Compile the phrases.

        Args:
            phrases: The phrases, in priority order (an earlier phrase wins a tie).

        Raises:
            ValueError: A phrase has no word.
        """
        self.phrases: tuple[str, ...] = tuple(phrases)
        """The phrases as given."""
        n = len(self.phrases)
        order = sorted(range(n), key=lambda i: -_size(self.phrases[i]))
        self._order = tuple(order)
        # One group per alternative tells which phrase matched (`lastindex`).
        source = _BEFORE + "(?:" + "|".join(f"({_body(self.phrases[i])})" for i in order) + ")"
        # Case-sensitive on lower-cased text (fast path); IGNORECASE on the original
        # text when lower-casing would change its length and so every offset.
        self._any = re.compile(source)
        self._any_i = re.compile(source, re.IGNORECASE)
        self._one = tuple(re.compile(phrase_regex(p)) for p in self.phrases)
        self._one_i = tuple(re.compile(phrase_regex(p), re.IGNORECASE) for p in self.phrases)
        self._star = any(p.strip().endswith("*") for p in self.phrases)
        gates: dict[tuple[str, ...], list[int]] = {}
        for i, p in enumerate(self.phrases):
            gates.setdefault(_gate(p), []).append(i)
        self._ungated = tuple(gates.pop((), []))
        self._gates = tuple((g, tuple(ix)) for g, ix in gates.items())

    def _prepare(self, text: str) -> tuple[str, bool, list[int]]:
        # (haystack, whether it is the original text under IGNORECASE, candidate phrases)
        lower = text.lower()
        if len(lower) != len(text):
            return text, True, list(range(len(self.phrases)))
        candidates = list(self._ungated)
        for gate, indices in self._gates:
            if all(word in lower for word in gate):
                candidates.extend(indices)
        return lower, False, candidates

    def _longest_at(
        self, hay: str, start: int, fold: bool, candidates: list[int]
    ) -> tuple[int, int]:
        # (end, phrase index) of the longest candidate match at `start`; earlier phrase on a tie.
        singles = self._one_i if fold else self._one
        best = (-1, -1)
        for i in sorted(candidates):
            m = singles[i].match(hay, start)
            if m is not None and m.end() > best[0]:
                best = (m.end(), i)
        return best

    def find(self, text: str) -> list[PhraseSpan]:
        """Non-overlapping matches: leftmost first, then longest.

        Args:
            text: Any text.

        Returns:
            The matches in text order.
        """
        if not text or not self.phrases:
            return []
        hay, fold, candidates = self._prepare(text)
        if not candidates:
            return []
        regex = self._any_i if fold else self._any
        out: list[PhraseSpan] = []
        pos = 0
        while (m := regex.search(hay, pos)) is not None:
            start, end, index = m.start(), m.end(), self._order[(m.lastindex or 1) - 1]
            if self._star:  # a star phrase's match length is not its written length
                end, index = self._longest_at(hay, start, fold, candidates)
            out.append(PhraseSpan(start, end, self.phrases[index]))
            pos = end
        return out

    def search(self, text: str) -> PhraseSpan | None:
        """The first match (leftmost, then longest), or None.

        Args:
            text: Any text.

        Returns:
            The match, or None when no phrase occurs.
        """
        if not text or not self.phrases:
            return None
        hay, fold, candidates = self._prepare(text)
        if not candidates:
            return None
        m = (self._any_i if fold else self._any).search(hay)
        if m is None:
            return None
        end, index = self._longest_at(hay, m.start(), fold, candidates)
        return PhraseSpan(m.start(), end, self.phrases[index])

    def find_all(self, text: str) -> list[PhraseSpan]:
        """Every phrase's own matches, overlaps between phrases kept.

        Each phrase's matches do not overlap each other (as `re.finditer` gives
        them); matches of different phrases may. For callers that filter matches
        before resolving overlaps (a detector dropping hard negatives).

        Args:
            text: Any text.

        Returns:
            The matches sorted by start, then longest first, then list order.
        """
        if not text or not self.phrases:
            return []
        hay, fold, candidates = self._prepare(text)
        singles = self._one_i if fold else self._one
        out = [(m.start(), m.end(), i) for i in candidates for m in singles[i].finditer(hay)]
        out.sort(key=lambda h: (h[0], -h[1], h[2]))
        return [PhraseSpan(s, e, self.phrases[i]) for s, e, i in out]


@lru_cache(maxsize=256)
def compile_phrases(phrases: tuple[str, ...]) -> PhraseMatcher:
    """A `PhraseMatcher` for `phrases`, compiled once per distinct list.

    Args:
        phrases: The phrases, in priority order.

    Returns:
        The (shared) matcher.
    """
    return PhraseMatcher(phrases)
