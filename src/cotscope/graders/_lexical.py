"""Lexical detectors: transparent term and pattern lists per property, returning spans.

Each property has a YAML file in `cotscope/graders/lexicon/` (or a user folder) with
`terms` (whole words or phrases, case-insensitive), `patterns` (Python regexes),
`exclude` (regexes for hard negatives: a hit overlapping an exclusion is dropped)
and optionally `include` (other lexicons whose rules are added). A detector's hash
covers its file and every included file, so a lexical rate names its lists exactly.

A detector is usable alone (`detect`) and as a prescreen before a judge
(`plan_prescreen`): candidates go to the judge, plus a seeded random audit sample of
the rest, from which the missed-positive rate is estimated (`MissedEstimate`).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from cotscope.stats import wilson_interval

LEXICON_DIR = "lexicon"
"""Folder of the built-in lexicons inside the package."""


@dataclass(frozen=True)
class LexicalSpan:
    """One hit of a detector in a text."""

    start: int
    """First character of the hit."""
    end: int
    """One past the last character."""
    text: str
    """The matched text."""
    rule: str
    """The term or pattern that matched."""


@dataclass(frozen=True, eq=False)
class LexicalDetector:
    """Compiled term and pattern rules for one property."""

    name: str
    """Property name, matching the rubric's name."""
    version: int
    """The lexicon file's version."""
    sha256: str
    """Hash of the lexicon file and its includes."""
    rules: tuple[tuple[str, re.Pattern[str]], ...]
    """(rule text, compiled regex) pairs."""
    exclude: tuple[re.Pattern[str], ...]
    """Hard-negative regexes; overlapping hits are dropped."""

    @property
    def key(self) -> str:
        """Judge-like key stored with lexical grades: `lexical:<name>@<hash12>`."""
        return f"lexical:{self.name}@{self.sha256[:12]}"

    @cached_property
    def _gates(self) -> tuple[str | None, ...]:
        # A term's regex runs only when the term's first word occurs at all (a substring
        # test is far cheaper than a case-insensitive regex scan); patterns always run.
        return tuple(
            rule.split()[0].lower() if regex.pattern.startswith("(?<![") else None
            for rule, regex in self.rules
        )

    def detect(self, text: str) -> list[LexicalSpan]:
        """All non-excluded hits in `text`, sorted by position, overlaps merged by first rule.

        Args:
            text: The reasoning to scan.

        Returns:
            The hits.
        """
        if not text:
            return []
        lower = text.lower()
        excluded: list[tuple[int, int]] | None = None  # scanned only once something hits
        hits: list[LexicalSpan] = []
        for (rule, regex), gate in zip(self.rules, self._gates, strict=True):
            if gate is not None and gate not in lower:
                continue
            for m in regex.finditer(text):
                if m.end() == m.start():
                    continue
                if excluded is None:
                    excluded = [
                        (x.start(), x.end()) for ex in self.exclude for x in ex.finditer(text)
                    ]
                if any(m.start() < e and s < m.end() for s, e in excluded):
                    continue
                hits.append(LexicalSpan(m.start(), m.end(), m.group(0), rule))
        hits.sort(key=lambda h: (h.start, -h.end))
        merged: list[LexicalSpan] = []
        for hit in hits:
            if merged and hit.start < merged[-1].end:
                continue
            merged.append(hit)
        return merged

    def flags(self, text: str | None) -> bool:
        """Whether the text has at least one hit."""
        return bool(text) and bool(self.detect(text or ""))


def _builtin_texts() -> dict[str, str]:
    folder = files("cotscope.graders").joinpath(LEXICON_DIR)
    return {
        e.name[: -len(".yaml")]: e.read_text(encoding="utf-8")
        for e in folder.iterdir()
        if e.name.endswith(".yaml")
    }


def _user_texts(folders: Sequence[Path]) -> dict[str, str]:
    out: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            out[path.stem] = path.read_text(encoding="utf-8")
    return out


def lexicon_names(folders: Sequence[Path] = ()) -> list[str]:
    """Names of the available lexicons (built-in plus user folders)."""
    return sorted({**_builtin_texts(), **_user_texts(folders)})


def _compile_term(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?![\w-])", re.IGNORECASE)


def load_detector(name: str, folders: Sequence[Path] = ()) -> LexicalDetector:
    """Load and compile a lexicon by name (a user folder's file overrides the built-in).

    Args:
        name: Lexicon name, e.g. `grader-seeking`.
        folders: User lexicon folders.

    Returns:
        The compiled detector.

    Raises:
        KeyError: When no lexicon has that name.
        ValueError: When a file is malformed or a pattern does not compile.
    """
    texts = {**_builtin_texts(), **_user_texts(folders)}
    digest = hashlib.sha256()
    rules: list[tuple[str, re.Pattern[str]]] = []
    exclude: list[re.Pattern[str]] = []
    version = 0
    seen: set[str] = set()

    def add(lexicon: str, top: bool) -> None:
        nonlocal version
        if lexicon in seen:
            return
        seen.add(lexicon)
        if lexicon not in texts:
            raise KeyError(f"no lexicon {lexicon!r}; known: {', '.join(sorted(texts))}")
        text = texts[lexicon].replace("\r\n", "\n")
        digest.update(text.encode("utf-8"))
        data: Any = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"lexicon {lexicon!r} must be a YAML mapping")
        if top:
            version = int(data.get("version", 0))
        try:
            rules.extend((t, _compile_term(t)) for t in data.get("terms") or [])
            rules.extend((p, re.compile(p, re.IGNORECASE)) for p in data.get("patterns") or [])
            exclude.extend(re.compile(p, re.IGNORECASE) for p in data.get("exclude") or [])
        except re.error as ex:
            raise ValueError(f"lexicon {lexicon!r}: bad pattern: {ex}") from None
        for other in data.get("include") or []:
            add(str(other), False)

    add(name, True)
    detector = LexicalDetector(name, version, digest.hexdigest(), tuple(rules), tuple(exclude))
    return detector


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
