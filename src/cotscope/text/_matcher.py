"""A lexicon compiled into one detector: phrases and patterns in, hard negatives out.

Used by the lexical graders (`graders`) and by intervention targets
(`interventions`), so a lexicon finds the same spans wherever it is applied:

1. every term phrase (the `cotscope.text` phrase rule) and every pattern (a Python
   regex, case-insensitive) finds its own matches;
2. a match overlapping any `exclude` match is dropped;
3. of what is left, overlapping matches are resolved leftmost first, then longest,
   then in rule order (a lexicon's terms, its patterns, then its includes').
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._lexicon import Lexicon
from ._phrases import PhraseMatcher


@dataclass(frozen=True)
class LexiconHit:
    """One hit of a lexicon in a text."""

    start: int
    """First character of the hit."""
    end: int
    """One past the last character."""
    text: str
    """The matched text."""
    rule: str
    """The phrase or pattern that matched."""


class LexiconMatcher:
    """The terms, patterns and exclusions of one or more lexicons, compiled once."""

    def __init__(self, lexicons: Sequence[Lexicon]) -> None:
        """Compile the lexicons' rules.

        Args:
            lexicons: A lexicon followed by the lexicons it includes, in the order
                their rules should win ties.
        """
        phrases: list[str] = []
        phrase_rank: list[int] = []
        patterns: list[tuple[int, str, re.Pattern[str]]] = []
        exclude: list[re.Pattern[str]] = []
        rank = 0
        for lexicon in lexicons:
            for phrase in lexicon.phrases:
                if phrase not in phrases:  # a repeat (e.g. via an include) adds nothing
                    phrases.append(phrase)
                    phrase_rank.append(rank)
                rank += 1
            for p in lexicon.patterns:
                patterns.append((rank, p, re.compile(p, re.IGNORECASE)))
                rank += 1
            exclude.extend(re.compile(p, re.IGNORECASE) for p in lexicon.exclude)
        self._phrases = PhraseMatcher(phrases)
        self._rank = dict(zip(phrases, phrase_rank, strict=True))
        self._patterns = tuple(patterns)
        self._exclude = tuple(exclude)

    def find(self, text: str) -> list[LexiconHit]:
        """All non-excluded hits in `text`, overlaps resolved (see the module docstring).

        Args:
            text: Any text.

        Returns:
            The hits in text order.
        """
        if not text:
            return []
        found: list[tuple[int, int, int, str]] = [
            (s.start, s.end, self._rank[s.phrase], s.phrase) for s in self._phrases.find_all(text)
        ]
        for rank, rule, regex in self._patterns:
            found.extend(
                (m.start(), m.end(), rank, rule)
                for m in regex.finditer(text)
                if m.end() > m.start()
            )
        if not found:
            return []
        excluded = [(x.start(), x.end()) for ex in self._exclude for x in ex.finditer(text)]
        kept = [f for f in found if not any(f[0] < e and s < f[1] for s, e in excluded)]
        kept.sort(key=lambda f: (f[0], -f[1], f[2]))
        hits: list[LexiconHit] = []
        for start, end, _, rule in kept:
            if hits and start < hits[-1].end:
                continue
            hits.append(LexiconHit(start, end, text[start:end], rule))
        return hits

    def flags(self, text: str | None) -> bool:
        """Whether the text has at least one hit."""
        return bool(text) and bool(self.find(text or ""))
