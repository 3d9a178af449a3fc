"""The fast context path (chunk-cached tokens, per-chunk form counts) against brute force.

The reference below is the algorithm the fast path replaced, kept verbatim in spirit:
tokenise the whole text with the tokenizer's regex (or wordfreq itself), count every
token, and hash `f"{uid}\\0{forms}"` for each line's rank. The fast path must give the
same counts, the same dispersion sums (bit for bit) and the same KWIC lines in the same
order.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
import wordfreq
from hypothesis import given, settings
from hypothesis import strategies as st

from cotscope.terms import _context, _tokenize
from cotscope.terms._context import ContextCollector, Forms, Key, _pattern, find_use
from cotscope.terms._counts import CotShapes, count_reasoning, group_key
from cotscope.terms._models import KwicLine
from cotscope.terms._tokenize import _FAST, tokenize

TERMS: list[Forms] = [
    ("grader", "graders"),
    ("grader's",),
    ("x",),
    ("s",),
    ("the",),
    ("e.g",),
    ("3.5",),
    ("don't",),
    ("test", "tests"),
    ("@s",),
    ("x@",),
    ("café",),
]
FORMS = {f for forms in TERMS for f in forms}

EDGE_TEXTS = [
    "",
    " ",
    "\n\t \r\n",
    "The GRADER graders Grader's grader’s grader.  grader, (grader) 'grader' grader:",
    "x.com x x's x.y x: x, x; x@ x@s @s tod@s x@sy a@s. x'",
    "the  there other theme the's the.the the:the the,the the;the the'the",
    "e.g. e.g e.g.x eg 3.5 3.50 3,5 3;5 3.5.1 v3.5 don't DON'T don’t dont",
    "test tests testing retest test_case test-case TEST",
    "grader\x1cgrader\x1dx\x1ex\x1fthe\x0bthe\x0cthe",
    "l'a qu'un y'all o'er rock'n'roll s's 's' s",
    "naïve café the grader — “quoted” grader’s Straße x",
    "a" * 70 + " grader " + "grader" * 12 + " " + "x." * 40,
    "gradergrader graders's graders' 'graders",
]

_ALPHABET = list("graderstxhe@.:,;'’ -\n\t\x1c3_5ACDGRSTXé")
_TEXT = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=80)


def reference_count_forms(text: str, forms: Iterable[str]) -> dict[str, int] | None:
    """The replaced `count_forms`: tokenise the whole text with the regex, count all."""
    if not text.isascii():
        return None
    counts = Counter(_FAST.findall(text.lower()))
    return {form: counts[form] for form in set(forms) if form in counts}


def truth(text: str, forms: Iterable[str]) -> dict[str, int]:
    """Brute force from the definition: wordfreq's own tokens, counted."""
    wanted = set(forms)
    return dict(Counter(t for t in wordfreq.lossy_tokenize(text, "en") if t in wanted))


def reference_priority(uid: str, forms: Forms) -> int:
    digest = hashlib.blake2b(f"{uid}\0{'|'.join(forms)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class ReferenceCollector:
    """The replaced collector: full tokenisation per CoT, one hash of a fresh string per term."""

    def __init__(self, terms: Iterable[Forms], per_term: int, width: int) -> None:
        self.terms = list(dict.fromkeys(terms))
        self.per_term, self.width = per_term, width
        self.by_form: dict[str, list[Forms]] = defaultdict(list)
        for forms in self.terms:
            for form in forms:
                self.by_form[form].append(forms)
        self.heaps: dict[tuple[Key, Forms], list[tuple[int, int, KwicLine]]] = defaultdict(list)
        self.seq = 0
        self.sum_sq: dict[tuple[Key, Forms], float] = {}

    def account(self, row: Mapping[str, Any], key: Key, text: str, tokens: list[str]) -> None:
        found = {f: n for f, n in Counter(tokens).items() if f in self.by_form}
        if not found or not tokens:
            return
        for forms in {t for form in found for t in self.by_form[form]}:
            y = sum(found.get(f, 0) for f in forms)
            slot = (key, forms)
            self.sum_sq[slot] = self.sum_sq.get(slot, 0.0) + y * y / len(tokens)
            if self.per_term <= 0:
                continue
            heap = self.heaps[slot]
            priority = reference_priority(row["sample_uid"], forms)
            if len(heap) >= self.per_term and -heap[0][0] <= priority:
                continue
            use = find_use(text, forms, _pattern(forms), self.width)
            if use is None:
                continue
            self.seq += 1
            line = KwicLine(
                sample_uid=row["sample_uid"],
                model_id=row["model_id"],
                step=row["step"],
                left=use[0],
                keyword=use[1],
                right=use[2],
            )
            heapq.heappush(heap, (-priority, self.seq, line))
            if len(heap) > self.per_term:
                heapq.heappop(heap)

    def lines(self) -> dict[tuple[Key, Forms], list[KwicLine]]:
        return {
            slot: [line for _, _, line in sorted(heap, key=lambda e: (-e[0], e[1]))]
            for slot, heap in self.heaps.items()
        }


@pytest.fixture(params=["default", "tiny caches"])
def caches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each test with the caches as shipped, and with caches that keep clearing."""
    _tokenize._CHUNKS.clear()
    if request.param == "tiny caches":
        monkeypatch.setattr(_tokenize, "_CHUNK_CACHE_SIZE", 3)
        monkeypatch.setattr(_tokenize, "_CHUNK_CACHE_CHARS", 4)
        monkeypatch.setattr(_context, "_MEMO_SIZE", 3)
        monkeypatch.setattr(_context, "_MEMO_CHARS", 4)


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_edge_texts(text: str, caches: None) -> None:
    collector = ContextCollector(TERMS, per_term=0, width=10)
    for _ in range(2):  # a second time from the caches
        assert tokenize(text) == wordfreq.lossy_tokenize(text, "en")
        counted = collector.count_forms(text)
        assert counted == reference_count_forms(text, FORMS)
        if counted is not None:
            assert counted == truth(text, FORMS)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_generated_texts(text: str) -> None:
    collector = ContextCollector(TERMS, per_term=0, width=10)
    assert tokenize(text) == wordfreq.lossy_tokenize(text, "en")
    counted = collector.count_forms(text)
    assert counted == reference_count_forms(text, FORMS)
    if counted is not None:
        assert counted == truth(text, FORMS)


_WORDS = [
    "the", "The", "THE", "grader", "Grader's", "grader’s", "graders", "x", "x.com", "x's",
    "test", "tests", "testing", "e.g.", "3.5", "3,5", "don't", "don’t", "s", "@s", "x@",
    "café", "naïve", "reward", "odd", "numbers", "but", "instruction", "says", "even",
    "(grader)", "grader,", "'the'", "the:", "rock'n'roll", "l'a", "tod@s", "",
]  # fmt: skip
_SPACES = [" ", " ", " ", "  ", "\n", "\t", "\x1c"]


def _random_rows(seed: int, n: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = rng.choices(_WORDS, k=rng.randrange(0, 40))
        text: str | None = "".join(w + rng.choice(_SPACES) for w in words)
        if rng.random() < 0.05:
            text = rng.choice(["", "   ", None])  # no reasoning: skipped by both passes
        model = rng.randrange(3)
        rows.append(
            {
                "sample_uid": f"u{seed}-{i}",
                "suite": rng.choice(["a", "b"]),
                "model_id": f"m{model}",
                "step": 100 * model,
                "model_order": model,
                "prompt": "Choose the grader's number.",
                "reasoning": text,
            }
        )
    return rows


def _reference_context(
    rows: list[dict[str, Any]], terms: list[Forms], per_term: int
) -> ReferenceCollector:
    reference = ReferenceCollector(terms, per_term, width=12)
    for row in rows:
        text = row["reasoning"]
        if text and not text.isspace():
            reference.account(row, group_key(row, False), text, wordfreq.lossy_tokenize(text, "en"))
    return reference


@pytest.mark.parametrize("seed", range(6))
def test_second_pass_matches_reference(seed: int, caches: None) -> None:
    rows = _random_rows(seed, 400)
    shapes = CotShapes()
    count_reasoning(rows, shapes=shapes)
    fast = _context.collect_context(rows, ContextCollector(TERMS, 3, 12), shapes=shapes).result()
    reference = _reference_context(rows, TERMS, 3)
    assert fast.sum_sq == reference.sum_sq  # bit for bit: same terms, same order of addition
    assert fast.lines == reference.lines()


@pytest.mark.parametrize("seed", range(3))
def test_first_pass_matches_reference(seed: int, caches: None) -> None:
    rows = _random_rows(100 + seed, 400)
    collector = ContextCollector(TERMS, 2, 12)
    count_reasoning(rows, terms=collector.terms, collector=collector)
    fast = collector.result()
    reference = _reference_context(rows, TERMS, 2)
    assert fast.sum_sq == reference.sum_sq
    assert fast.lines == reference.lines()
