"""Per-sample grader evidence for readers: flagged sentences and verified quote spans.

The report quotes the sentence that triggered a few flags of each grader and
highlights verified evidence quotes in the transcripts it embeds. These are typed
reads of the `grades` table (joined with `samples` through `cotscope.store`); the
rates themselves are the `graded-rates` result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cotscope.store import GradeFilter, SampleFilter, flagged_samples, graded_samples

if TYPE_CHECKING:
    from cotscope.store import Store

FLAG_EXAMPLES = 12
"""Flagged CoTs quoted per grader and judge in the report."""

_SENTENCE_END = ".!?\n"


@dataclass(frozen=True)
class FlagExample:
    """A flagged CoT and the sentence its first verified evidence quote sits in."""

    sample_uid: str
    """The flagged sample."""
    model_id: str
    """Its checkpoint."""
    sentence: tuple[str, str, str] | None
    """(before, quote, after) in the graded text; None when no quote was verified."""


@dataclass(frozen=True)
class EvidenceSpan:
    """A verified evidence quote of a positive grade, in characters of the reasoning."""

    sample_uid: str
    """The graded sample."""
    rubric: str
    """Rubric name."""
    judge: str
    """Judge key."""
    start: int
    """First character of the quote."""
    end: int
    """One past its last character."""
    reason: str
    """The judge's justification, else the lexical rule that matched, else ''."""


def sentence_around(text: str, start: int, end: int, limit: int = 400) -> tuple[str, str, str]:
    """The sentence holding `text[start:end]`, as (before, quote, after), cut to `limit`."""
    left = max((text.rfind(c, 0, start) for c in _SENTENCE_END), default=-1) + 1
    ends = [i for i in (text.find(c, end) for c in _SENTENCE_END) if i != -1]
    right = min(ends) + 1 if ends else len(text)
    spare = max(0, limit - (end - start)) // 2
    left, right = max(left, start - spare), min(right, end + spare)
    return text[left:start].lstrip(), text[start:end], text[end:right].rstrip()


def _graded_text(sample: dict[str, Any], quote: str, start: int, end: int) -> str:
    # Offsets index the graded text: the CoT, or the answer for a `target: answer` rubric.
    def norm(x: str) -> str:
        return " ".join(x.split()).lower()

    for name in ("reasoning", "answer"):
        text = str(sample[name] or "")
        if norm(text[start:end]) == norm(quote):
            return text
    return str(sample["reasoning"] or "")


def _verified(evidence: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in evidence or []
        if e.get("verified") and e.get("start") is not None and e.get("end") is not None
    ]


def flag_examples(
    store: Store, rubric_hash: str, judge: str, run: str | None, limit: int = FLAG_EXAMPLES
) -> list[FlagExample]:
    """Flagged CoTs with the sentence each first verified evidence quote sits in.

    The transcript browser embeds a sample of transcripts, so a flagged CoT may not be
    in it; these quote the triggering sentence of up to `limit` flags, taken in turn
    from each checkpoint, and name the sample to find it in the store.

    Args:
        store: An open store.
        rubric_hash: The rubric version.
        judge: Judge key.
        run: Only this run's samples.
        limit: Flags to quote at most.
    """
    out = []
    for row in flagged_samples(store, rubric_hash, judge, run, limit):
        grade, sample = row.grade, row.sample
        found = [e for e in grade["evidence"] or [] if e.get("verified") and e.get("start")
                 is not None]  # fmt: skip
        sentence = None
        if found:
            start, end = int(found[0]["start"]), int(found[0]["end"])
            text = _graded_text(sample, str(found[0].get("quote", "")), start, end)
            sentence = sentence_around(text, start, end)
        out.append(FlagExample(str(grade["sample_uid"]), str(sample["model_id"]), sentence))
    return out


def evidence_spans(store: Store, sample_uids: Sequence[str]) -> list[EvidenceSpan]:
    """Verified evidence quotes of the positive grades of these samples.

    Args:
        store: An open store.
        sample_uids: The samples.

    Returns:
        One span per verified quote; none when the run was never graded.
    """
    if not sample_uids:
        return []
    rows = graded_samples(
        store, ("sample_uid", "rubric", "judge", "justification", "evidence"), (),
        SampleFilter(sample_uids=sample_uids), GradeFilter(positive=True),
    )  # fmt: skip
    return [
        EvidenceSpan(
            str(r.grade["sample_uid"]),
            str(r.grade["rubric"]),
            str(r.grade["judge"]),
            int(e["start"]),
            int(e["end"]),
            str(r.grade["justification"] or e.get("rule") or ""),
        )  # fmt: skip
        for r in rows
        for e in _verified(r.grade["evidence"])
    ]
