"""Where to intervene: target detectors (regex, lexicon, grader evidence) and sentence hits.

A `--where` spec is `regex:<pattern>`, `lexical:<lexicon>` (a shipped lexicon of
`cotscope/text/lexicons/`, the same files and matching rules the lexical graders use)
or `grader:<name>` (the evidence spans a grader stored in the run's `grades` table).
A sentence is a target when any detected span overlaps it. The same detector, run on
a continuation, tells whether removed content reappeared; a grader target reuses the
lexicon of the same name for that when one exists (re-grading every continuation
would cost a judge call).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cotscope.text import ResolvedLexicon, lexicon_names, resolve_lexicon

from ._segment import Sentence

TargetKind = Literal["regex", "lexical", "grader"]


class TargetError(ValueError):
    """A `--where` spec is malformed or names something that does not exist."""


def lexicons() -> list[str]:
    """Names of the shipped lexicons a `lexical:` target can name."""
    return lexicon_names()


def _lexicon(name: str) -> ResolvedLexicon | None:
    return resolve_lexicon(name) if name in lexicon_names() else None


def lexicon_hash(name: str) -> str | None:
    """SHA-256 of the named lexicon (with its includes), stored with every lexical result.

    Args:
        name: Lexicon name.

    Returns:
        The hash, or None when no shipped lexicon has that name.
    """
    lexicon = _lexicon(name)
    return lexicon.sha256 if lexicon else None


@dataclass(frozen=True)
class TargetSpec:
    """A parsed `--where` spec."""

    kind: TargetKind
    """Detector kind."""
    value: str
    """The regex, the lexicon name, or the grader name."""

    @property
    def text(self) -> str:
        """The spec as written on the command line."""
        return f"{self.kind}:{self.value}"

    @property
    def has_detector(self) -> bool:
        """Whether the spec has a text detector (a grader needs a namesake lexicon)."""
        return self.kind == "regex" or _lexicon(self.value) is not None

    def find(self, text: str) -> list[tuple[int, int]]:
        """Character spans the text detector finds in `text` (empty for no detector).

        Args:
            text: Any text.

        Returns:
            (start, end) spans in order.
        """
        if self.kind == "regex":
            pattern = re.compile(self.value, re.IGNORECASE)
            return [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]
        lexicon = _lexicon(self.value)
        return [(h.start, h.end) for h in lexicon.matcher.find(text)] if lexicon else []


def parse_target(spec: str) -> TargetSpec:
    """Parse `regex:…`, `lexical:…` or `grader:…`.

    Args:
        spec: The spec.

    Returns:
        The parsed spec.

    Raises:
        TargetError: Unknown kind, bad regex, or unknown lexicon.
    """
    kind, sep, value = spec.partition(":")
    if not sep or kind not in ("regex", "lexical", "grader") or not value:
        raise TargetError(
            f"--where {spec!r}: expected regex:<pattern>, lexical:<lexicon> or grader:<name>"
        )
    if kind == "regex":
        try:
            re.compile(value)
        except re.error as ex:
            raise TargetError(f"--where {spec!r}: not a valid regular expression: {ex}") from None
    if kind == "lexical" and value not in lexicons():
        raise TargetError(f"--where {spec!r}: no lexicon {value!r}; known: {', '.join(lexicons())}")
    return TargetSpec(kind, value)  # type: ignore[arg-type]


def target_sentences(sentences: Sequence[Sentence], spans: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the sentences that overlap any span.

    Args:
        sentences: Segmented reasoning.
        spans: Detected (start, end) character spans in the same text.

    Returns:
        Sorted sentence indices.
    """
    hits = {s.index for s in sentences for a, b in spans if a < s.end and b > s.start and b > a}
    return sorted(hits)


def grader_spans(store: Any, grader: str, sample_uids: Sequence[str]) -> dict[str, list[Any]]:
    """Evidence spans in the reasoning that a grader stored for each sample.

    Args:
        store: The run's open `Store`.
        grader: Grader name.
        sample_uids: Samples to look up.

    Returns:
        sample_uid to (start, end) spans in its reasoning text: the verified
        evidence quotes of positive grades (samples without any have no target).

    Raises:
        TargetError: The graders package or the run's `grades` table is missing.
    """
    try:
        from cotscope.graders import read_grades
    except ImportError:
        raise TargetError(
            "grader targets need cotscope.graders, which this installation lacks; "
            "use regex: or lexical: targets"
        ) from None
    wanted = set(sample_uids)
    grades = read_grades(store, rubric=grader, outcome="graded")
    if not grades:
        raise TargetError(
            f"--where grader:{grader}: the run has no grades of {grader!r}; "
            f"run `cotscope grade` first"
        )
    spans: dict[str, list[Any]] = {}
    for g in grades:
        if g.sample_uid not in wanted or not g.positive:
            continue
        for ev in g.evidence:
            if ev.get("verified") and ev.get("start") is not None and ev.get("end") is not None:
                spans.setdefault(g.sample_uid, []).append((int(ev["start"]), int(ev["end"])))
    return spans
