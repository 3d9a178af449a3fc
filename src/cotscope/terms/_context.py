"""The second pass: keyword-in-context lines and per-CoT dispersion for reported terms.

Which terms to show is known only after the counting pass, so a second streaming
pass visits the CoTs again, for those terms only. It gathers:

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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._counts import group_key
from ._models import KwicLine
from ._tokenize import tokenize

Forms = tuple[str, ...]


@dataclass
class Context:
    """What the second pass found."""

    sum_sq: dict[tuple[tuple[str, str], Forms], float] = field(default_factory=dict)
    """Σ y_c²/n_c per ((suite, model_id), term)."""
    lines: dict[tuple[tuple[str, str], Forms], list[KwicLine]] = field(default_factory=dict)
    """KWIC lines per ((suite, model_id), term), best priority first."""


def _pattern(forms: Forms) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(f).replace("'", "['\u2018\u2019\u02bc]")
        for f in sorted(forms, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w'\u2019])(?:{alternatives})(?!\w)", re.IGNORECASE)


def _priority(uid: str, forms: Forms) -> int:
    digest = hashlib.blake2b(f"{uid}\0{'|'.join(forms)}".encode(), digest_size=8).digest()
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


def collect_context(
    rows: Iterable[Mapping[str, Any]],
    terms: Sequence[Forms],
    per_term: int,
    width: int,
    suites: Sequence[str] | None = None,
    pool_suites: bool = False,
) -> Context:
    """Stream the CoTs once more and gather KWIC lines and dispersion sums for `terms`.

    Args:
        rows: Sample rows (the counting pass's columns).
        terms: The reported terms, each a tuple of forms.
        per_term: KWIC lines kept per term and checkpoint.
        width: Characters of context on each side.
        suites: Only these suites (all when None or empty).
        pool_suites: Key rows under the pooled suite, as in the counting pass.

    Returns:
        The dispersion sums and the KWIC lines.
    """
    wanted = set(suites) if suites else None
    terms = list(dict.fromkeys(terms))
    by_form: dict[str, list[Forms]] = defaultdict(list)
    for forms in terms:
        for form in forms:
            by_form[form].append(forms)
    form_set = frozenset(by_form)
    patterns = {forms: _pattern(forms) for forms in terms}
    out = Context()
    heaps: dict[tuple[tuple[str, str], Forms], list[tuple[int, int, KwicLine]]] = defaultdict(list)
    seq = 0
    for row in rows:
        text = row["reasoning"]
        if (wanted is not None and row["suite"] not in wanted) or not text or text.isspace():
            continue
        tokens = tokenize(text)
        present = form_set.intersection(tokens)
        if not present:
            continue
        key = group_key(row, pool_suites)
        n_words = len(tokens)
        found = {form: tokens.count(form) for form in present}
        for forms in {t for form in present for t in by_form[form]}:
            y = sum(found.get(f, 0) for f in forms)
            out.sum_sq[(key, forms)] = out.sum_sq.get((key, forms), 0.0) + y * y / n_words
            if per_term <= 0:
                continue
            heap = heaps[(key, forms)]
            priority = _priority(row["sample_uid"], forms)
            if len(heap) >= per_term and -heap[0][0] <= priority:
                continue
            use = find_use(text, forms, patterns[forms], width)
            if use is None:
                continue
            seq += 1
            line = KwicLine(
                sample_uid=row["sample_uid"],
                model_id=row["model_id"],
                step=row["step"],
                left=use[0],
                keyword=use[1],
                right=use[2],
            )
            heapq.heappush(heap, (-priority, seq, line))
            if len(heap) > per_term:
                heapq.heappop(heap)
    for slot, heap in heaps.items():
        out.lines[slot] = [line for _, _, line in sorted(heap, key=lambda e: (-e[0], e[1]))]
    return out


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
