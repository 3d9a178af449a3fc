"""A character-by-character implementation of the phrase rule, to check the regexes by."""

from __future__ import annotations


def _wordish(c: str) -> bool:
    return c.isalnum() or c in "_-"


def _words(phrase: str) -> list[str]:
    return phrase.replace("-", " ").lower().split()


def _word_at(text: str, pos: int, word: str) -> bool:
    if pos + len(word) > len(text):
        return False
    for a, b in zip(text[pos : pos + len(word)], word, strict=True):
        if not (a == b or (a in "'’" and b in "'’")):
            return False
    return True


def _match_at(low: str, start: int, phrase: str) -> int | None:
    star = phrase.strip().endswith("*")
    words = _words(phrase.strip().rstrip("*"))
    pos = start
    for k, word in enumerate(words):
        if k:
            sep = pos
            while sep < len(low) and (low[sep].isspace() or low[sep] == "-"):
                sep += 1
            if sep == pos:
                return None
            pos = sep
        if not _word_at(low, pos, word):
            return None
        pos += len(word)
    if star:
        while pos < len(low) and (_wordish(low[pos]) or low[pos] in "'’"):
            pos += 1
        return pos
    return None if pos < len(low) and _wordish(low[pos]) else pos


def _starts(low: str, phrase: str) -> list[int]:
    # Where the phrase's first word occurs (every position if it holds an apostrophe,
    # which may be spelled either way).
    first = _words(phrase.strip().rstrip("*"))[0]
    if "'" in first or "’" in first:
        return list(range(len(low)))
    out, pos = [], low.find(first)
    while pos != -1:
        out.append(pos)
        pos = low.find(first, pos + 1)
    return out


def brute_force(text: str, phrases: tuple[str, ...] | list[str]) -> list[tuple[int, int, str]]:
    """Every phrase's non-overlapping matches, as (start, end, phrase), in find_all's order."""
    low = text.lower()
    assert len(low) == len(text)
    out = []
    for i, phrase in enumerate(phrases):
        last_end = 0
        for start in _starts(low, phrase):
            if start < last_end or (start > 0 and _wordish(low[start - 1])):
                continue
            end = _match_at(low, start, phrase)
            if end is not None:
                out.append((start, end, i))
                last_end = end
    out.sort(key=lambda h: (h[0], -h[1], h[2]))
    return [(s, e, phrases[i]) for s, e, i in out]


def leftmost_longest(text: str, phrases: tuple[str, ...] | list[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping matches, leftmost first, then longest, then earlier phrase."""
    low = text.lower()
    out = []
    pos = 0
    while pos <= len(low):
        best = None
        for start in range(pos, len(low)):
            if start > 0 and _wordish(low[start - 1]):
                continue
            for phrase in phrases:
                end = _match_at(low, start, phrase)
                if end is not None and (best is None or end > best[1]):
                    best = (start, end, phrase)
            if best is not None:
                break
        if best is None:
            break
        out.append(best)
        pos = best[1]
    return out
