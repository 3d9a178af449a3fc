"""Keyword-in-context lines and per-CoT dispersion for reported terms.

Tracked terms are known before counting, so the counting pass feeds them to a
collector as it goes. Terms found by the analysis (overused, emergent) are known
only after it, so a second streaming pass visits the CoTs again for those terms
only, counting them just in the CoTs whose lower-cased text contains one of them.
Both gather:

- KWIC lines: at most one use per CoT (so N lines come from N transcripts), chosen
  by the smallest hash of (sample, term), a deterministic sample that needs no
  memory beyond the lines kept; kept per checkpoint and dealt out latest first.
- Σ y_c²/n_c per term and checkpoint, for the dispersion φ that widens the rate
  interval when uses cluster in a few CoTs.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from ._counts import CotShapes, Key, group_key
from ._models import KwicLine
from ._tokenize import chunk_tokens, tokenize

Forms = tuple[str, ...]

_MEMO_SIZE = 200_000
"""Distinct chunks a collector remembers (tens of MB at most); afresh when full."""
_MEMO_CHARS = 64
"""Longer chunks are looked at, not remembered (rarely seen twice)."""


class _FormsInChunk(dict[str, tuple[str, ...]]):
    """Followed forms among a chunk's tokens, with repeats (mostly none), on first sight."""

    def __init__(self, forms: frozenset[str]) -> None:
        super().__init__()
        self.forms = forms

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        hits = tuple(t for t in chunk_tokens(chunk) if t in self.forms)
        if len(chunk) <= _MEMO_CHARS:
            if len(self) >= _MEMO_SIZE:
                self.clear()
            self[chunk] = hits
        return hits


@dataclass
class Context:
    """What the second pass found."""

    sum_sq: dict[tuple[Key, Forms], float] = field(default_factory=dict)
    """Σ y_c²/n_c per ((suite, model_id), term)."""
    lines: dict[tuple[Key, Forms], list[KwicLine]] = field(default_factory=dict)
    """KWIC lines per ((suite, model_id), term), best priority first."""


def _pattern(forms: Forms) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(f).replace("'", "['\u2018\u2019\u02bc]")
        for f in sorted(forms, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w'\u2019])(?:{alternatives})(?!\w)", re.IGNORECASE)


def _salt(forms: Forms) -> bytes:
    return f"\0{'|'.join(forms)}".encode()


def _priority(uid: str, salt: bytes) -> int:
    """The line's rank: blake2b of `uid`, NUL, the forms joined by `|` (`salt`)."""
    digest = hashlib.blake2b(uid.encode() + salt, digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _squash(text: str) -> str:
    return " ".join(text.split())


def find_use(
    text: str, forms: Forms, pattern: re.Pattern[str], width: int
) -> tuple[str, str, str] | None:
    """The first use of a term in a text, as (left, keyword, right).

    A regex finds candidates; each is confirmed by tokenising the whitespace-delimited
    chunk around it, so "x" inside "x.com" or "grader" inside "grader's" is skipped.

    Args:
        text: The reasoning, as stored.
        forms: The term's tokens.
        pattern: `_pattern(forms)`.
        width: Characters of context on each side.

    Returns:
        The use, or None when no confirmed use exists.
    """
    for match in pattern.finditer(text):
        start, end = match.span()
        left_space = max(
            text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("\t", 0, start)
        )
        chunk_end = len(text)
        for space in (" ", "\n", "\t"):
            at = text.find(space, end)
            if at >= 0:
                chunk_end = min(chunk_end, at)
        if not set(tokenize(text[left_space + 1 : chunk_end])).intersection(forms):
            continue
        left = _squash(text[max(0, start - 3 * width) : start] + "|")[:-1][-width:]
        right = _squash("|" + text[end : end + 3 * width])[1:][:width]
        return left, text[start:end], right
    return None


class ContextCollector:
    """Gathers KWIC lines and dispersion sums for a fixed set of terms, one CoT at a time."""

    def __init__(self, terms: Iterable[Forms], per_term: int, width: int) -> None:
        """Prepare for `terms` (each a tuple of forms).

        Args:
            terms: The terms to follow.
            per_term: KWIC lines kept per term and checkpoint.
            width: Characters of context on each side.
        """
        self.terms = list(dict.fromkeys(terms))
        self.per_term = per_term
        self.width = width
        self._by_form: dict[str, list[Forms]] = defaultdict(list)
        for forms in self.terms:
            for form in forms:
                self._by_form[form].append(forms)
        self._forms = frozenset(self._by_form)
        self._in_chunk = _FormsInChunk(self._forms)
        # Substrings that lower-cased ASCII text must contain to hold a form (the part
        # before an apostrophe, which the text may write curly).
        self.probes = tuple(
            {f.split("'")[0] for f in self._forms if f.isascii() and f.split("'")[0]}
        )
        self._patterns = {forms: _pattern(forms) for forms in self.terms}
        self._salts = {forms: _salt(forms) for forms in self.terms}
        self._heaps: dict[tuple[Key, Forms], list[tuple[int, int, KwicLine]]] = defaultdict(list)
        self._seq = 0
        self.sum_sq: dict[tuple[Key, Forms], float] = {}

    def may_hold(self, text: str) -> bool:
        """Cheap test: False only when the text cannot contain any form."""
        if not text.isascii():
            return True
        low = text.lower()
        return any(probe in low for probe in self.probes)

    def feed(
        self,
        row: Mapping[str, Any],
        key: Key,
        text: str,
        tokens: list[str],
        distinct: set[str] | None = None,
    ) -> None:
        """Account for one CoT (its tokens, and their set when at hand, already computed)."""
        present = (
            self._forms & distinct if distinct is not None else self._forms.intersection(tokens)
        )
        if not present:
            return
        self.account(row, key, text, len(tokens), {form: tokens.count(form) for form in present})

    def count_forms(self, text: str) -> dict[str, int] | None:
        """Occurrences of the followed forms in an ASCII text.

        A text's tokens are those of its whitespace chunks, and chunks repeat within and
        across texts (Zipf). So the chunks are counted in C (`str.split`, `Counter`), each
        distinct chunk is mapped once to the followed forms among its tokens (remembered
        by the collector), and Python loops only over the chunks that hold one. The
        report on `bench_report.py`'s 100,000 CoTs took 117 s when this looped once per
        probe hit (19 million hits), 25 s when it counted every token of every text.

        Args:
            text: The reasoning.

        Returns:
            Form -> occurrences (forms that occur only); None for non-ASCII text.
        """
        if not text.isascii():
            return None
        chunks = Counter(text.lower().split())
        found: dict[str, int] = {}
        # Filtered in C: only ((chunk, count), forms) pairs with forms reach the loop.
        paired = zip(chunks.items(), map(self._in_chunk.__getitem__, chunks), strict=True)
        for (_, n), forms in filter(itemgetter(1), paired):
            for form in forms:
                found[form] = found.get(form, 0) + n
        return found

    def account(
        self, row: Mapping[str, Any], key: Key, text: str, n_words: int, found: Mapping[str, int]
    ) -> None:
        """Account for one CoT given its word count and the followed forms it uses."""
        if not found or n_words <= 0:
            return
        # Called for every CoT holding a followed term (each CoT, on dense runs), once
        # per term it holds: the loop keeps to dict lookups and one hash per term.
        sum_sq, per_term, uid = self.sum_sq, self.per_term, row["sample_uid"]
        for forms in {t for form in found for t in self._by_form[form]}:
            y = found[forms[0]] if len(forms) == 1 else sum(found.get(f, 0) for f in forms)
            slot = (key, forms)
            sum_sq[slot] = sum_sq.get(slot, 0.0) + y * y / n_words
            if per_term > 0:
                heap = self._heaps[slot]
                priority = _priority(uid, self._salts[forms])
                if len(heap) < per_term or priority < -heap[0][0]:
                    self._offer_line(row, text, forms, heap, priority)

    def _offer_line(
        self,
        row: Mapping[str, Any],
        text: str,
        forms: Forms,
        heap: list[tuple[int, int, KwicLine]],
        priority: int,
    ) -> None:
        """Keep the CoT's first use of the term, which ranks among the `per_term` best."""
        use = find_use(text, forms, self._patterns[forms], self.width)
        if use is None:
            return
        self._seq += 1
        line = KwicLine(
            sample_uid=row["sample_uid"],
            model_id=row["model_id"],
            step=row["step"],
            left=use[0],
            keyword=use[1],
            right=use[2],
        )
        heapq.heappush(heap, (-priority, self._seq, line))
        if len(heap) > self.per_term:
            heapq.heappop(heap)

    def result(self, into: Context | None = None) -> Context:
        """The sums and the lines (best priority first), added to `into` when given."""
        out = into or Context()
        out.sum_sq.update(self.sum_sq)
        for slot, heap in self._heaps.items():
            out.lines[slot] = [line for _, _, line in sorted(heap, key=lambda e: (-e[0], e[1]))]
        return out


def collect_context(
    rows: Iterable[Mapping[str, Any]],
    collector: ContextCollector,
    suites: Sequence[str] | None = None,
    pool_suites: bool = False,
    shapes: CotShapes | None = None,
) -> ContextCollector:
    """Stream the CoTs once more for the terms found by the analysis.

    CoTs whose text cannot hold a followed term are skipped unread. For the others,
    the word count comes from the counting pass (`shapes`, matched by position and
    checked by text length) and the terms are counted chunk by chunk; a CoT that is
    not ASCII, or whose shape does not match, is tokenised in full.

    Args:
        rows: Sample rows (the counting pass's columns, in the same order).
        collector: The collector of the terms to follow.
        suites: Only these suites (all when None or empty).
        pool_suites: Key rows under the pooled suite, as in the counting pass.
        shapes: Word counts and lengths of the CoTs recorded by the counting pass.

    Returns:
        The collector, fed.
    """
    wanted = set(suites) if suites else None
    index = -1
    for row in rows:
        text = row["reasoning"]
        if (wanted is not None and row["suite"] not in wanted) or not text or text.isspace():
            continue
        index += 1
        if not collector.may_hold(text):
            continue
        key = group_key(row, pool_suites)
        found = None
        if (
            shapes is not None
            and index < len(shapes.lengths)
            and shapes.lengths[index] == len(text)
        ):
            found = collector.count_forms(text)
        if found is None:
            collector.feed(row, key, text, tokenize(text))
        else:
            collector.account(row, key, text, shapes.words[index], found)  # type: ignore[union-attr]
    return collector


def deal_lines(per_checkpoint: Sequence[Sequence[KwicLine]], limit: int) -> list[KwicLine]:
    """Take up to `limit` lines round-robin over checkpoints given latest first."""
    out: list[KwicLine] = []
    depth = 0
    while len(out) < limit and any(depth < len(lines) for lines in per_checkpoint):
        for lines in per_checkpoint:
            if depth < len(lines) and len(out) < limit:
                out.append(lines[depth])
        depth += 1
    return out
