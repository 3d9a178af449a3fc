"""Lexical detectors: transparent term and pattern lists per property, returning spans.

Each property has a lexicon of the same name in `cotscope/text/lexicons/` (or a user
folder), in the one lexicon format (`cotscope.text`): `terms` (whole phrases under the
`cotscope.text` phrase rule), `patterns` (Python regexes), `exclude` (regexes for hard
negatives: a hit overlapping an exclusion is dropped) and optionally `include` (other
lexicons whose rules are added). Intervention targets (`--where lexical:<name>`) apply
the same files the same way. A detector's hash covers its file and every included
file, so a lexical rate names its lists exactly.

A detector is usable alone (`detect`) and as a prescreen before a judge
(`plan_prescreen`): candidates go to the judge, plus a seeded random audit sample of
the rest, from which the missed-positive rate is estimated (`MissedEstimate`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cotscope.stats import wilson_interval
from cotscope.text import LexiconHit, LexiconMatcher, resolve_lexicon
from cotscope.text import lexicon_names as _lexicon_names

LexicalSpan = LexiconHit
"""One hit of a detector in a text: start, end, the matched text and the rule."""


@dataclass(frozen=True, eq=False)
class LexicalDetector:
    """Compiled term and pattern rules for one property."""

    name: str
    """Property name, matching the rubric's name."""
    version: int
    """The lexicon file's version."""
    sha256: str
    """Hash of the lexicon file and its includes."""
    matcher: LexiconMatcher
    """The compiled lexicon (terms, patterns, exclusions, includes)."""

    @property
    def key(self) -> str:
        """Judge-like key stored with lexical grades: `lexical:<name>@<hash12>`."""
        return f"lexical:{self.name}@{self.sha256[:12]}"

    def detect(self, text: str) -> list[LexicalSpan]:
        """All non-excluded hits in `text`, sorted by position, overlaps merged by first rule.

        Args:
            text: The reasoning to scan.

        Returns:
            The hits.
        """
        return self.matcher.find(text)

    def flags(self, text: str | None) -> bool:
        """Whether the text has at least one hit."""
        return self.matcher.flags(text)


def scan_texts(detector: LexicalDetector, texts: Sequence[str], flags_only: bool) -> list[Any]:
    """The detector's hits in each text, or (`flags_only`) whether it has any, in order.

    What `grade` runs in one process and each Ray scanning task runs on its chunk.
    """
    if flags_only:
        return [detector.flags(text) for text in texts]
    return [detector.detect(text) for text in texts]


def lexicon_names(folders: Sequence[Path] = ()) -> list[str]:
    """Names of the available lexicons (shipped plus user folders)."""
    return _lexicon_names(folders)


def load_detector(name: str, folders: Sequence[Path] = ()) -> LexicalDetector:
    """Load and compile a lexicon by name (a user folder's file overrides the shipped one).

    Args:
        name: Lexicon name, e.g. `grader-seeking`.
        folders: User lexicon folders.

    Returns:
        The compiled detector.

    Raises:
        KeyError: When no lexicon has that name.
        ValueError: When a file is malformed or a pattern does not compile
            (`cotscope.text.LexiconError`, naming the file and the field).
    """
    lexicon = resolve_lexicon(name, folders)
    return LexicalDetector(name, lexicon.version, lexicon.sha256, lexicon.matcher)


@dataclass(frozen=True)
class PrescreenPlan:
    """Which transcripts a prescreen sends to the judge."""

    candidates: list[str]
    """Ids the detector flagged (all go to the judge)."""
    audit: list[str]
    """A random sample of the unflagged ids, also sent to the judge."""
    skipped: list[str]
    """Unflagged ids not judged."""
    audit_fraction: float
    """Share of the unflagged ids audited."""
    seed: int
    """Seed of the audit sample."""


def plan_prescreen(
    flagged: dict[str, bool],
    audit_fraction: float = 0.1,
    seed: int = 0,
    min_audit: int = 5,
    strata: dict[str, str] | None = None,
) -> PrescreenPlan:
    """Split ids into candidates, an audit sample of the rest, and the skipped remainder.

    Args:
        flagged: Whether the detector flagged each id.
        audit_fraction: Share of unflagged ids sent to the judge anyway.
        seed: Seed of the audit sample (the same seed gives the same sample).
        min_audit: Audit at least this many unflagged ids (or all of them) per stratum.
        strata: Stratum of each id (e.g. its checkpoint): the audit is drawn within
            each, so every checkpoint's missed positives are estimated from its own CoTs.

    Returns:
        The plan.
    """
    if not 0 <= audit_fraction <= 1:
        raise ValueError("audit_fraction must be in [0, 1]")
    candidates = sorted(k for k, v in flagged.items() if v)
    rest = sorted(k for k, v in flagged.items() if not v)
    groups: dict[str, list[str]] = {}
    for k in rest:
        groups.setdefault(strata.get(k, "") if strata else "", []).append(k)
    audit: list[str] = []
    for name, ids in sorted(groups.items()):
        size = min(len(ids), max(min_audit, round(audit_fraction * len(ids))))
        rng = random.Random(f"{seed}|{name}" if strata else seed)
        audit.extend(rng.sample(ids, size) if size else [])
    audit.sort()
    chosen = set(audit)
    skipped = [k for k in rest if k not in chosen]
    return PrescreenPlan(candidates, audit, skipped, audit_fraction, seed)


@dataclass(frozen=True)
class MissedEstimate:
    """Estimated positives among transcripts the prescreen did not send to the judge."""

    audited: int
    """Unflagged transcripts the judge graded (failures excluded)."""
    audit_positive: int
    """Of those, how many the judge flagged."""
    skipped: int
    """Unflagged transcripts not judged."""
    miss_rate: float | None
    """audit_positive / audited: the share of unflagged transcripts that are positive."""
    miss_ci: tuple[float, float] | None
    """Wilson interval of miss_rate."""
    missed: float | None
    """Estimated positives among the skipped: miss_rate × skipped."""


def estimate_missed(audit_positive: int, audited: int, skipped: int) -> MissedEstimate:
    """Estimate the positives a prescreen missed from its audit sample.

    Args:
        audit_positive: Audited transcripts the judge flagged.
        audited: Audited transcripts with a successful grade.
        skipped: Unflagged transcripts that were not judged.

    Returns:
        The estimate (None fields when nothing was audited).
    """
    ci = wilson_interval(audit_positive, audited)
    rate = audit_positive / audited if audited else None
    missed = rate * skipped if rate is not None else None
    return MissedEstimate(audited, audit_positive, skipped, rate, ci, missed)
