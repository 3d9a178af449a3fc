"""Edit plans: the reasoning prefixes each arm of an intervention continues from.

Pure string work on segmented reasoning. Every plan has an `edited` arm and a
`base` arm cut at the same point of the same transcript, so the effect of an
edit is the difference between their continuations and nothing else:

* `remove`: edited = the reasoning before the first target sentence; base = the
  same plus the target sentence. Both are resampled from there (on-policy). With a
  control, control = edited plus a neutral sentence of the target's length in its
  place: removing the target's content without shortening the reasoning.
  With `keep_rest`, the target sentences are cut out of the whole reasoning
  instead and both arms continue from its end (the off-policy hand edit).
* `inject`: base = the reasoning before the injection point; edited = base plus
  the injected sentence; control = base plus a neutral sentence of similar length.
* `truncate`: edited = the reasoning before a sentence; base = through it.
* `resample-from` (importance): like truncate, for every sentence in turn; the
  original sentence is kept so a continuation's first sentence can be compared.

Prefixes never end in whitespace: a BPE tokenizer attaches a space to the next
word, so a trailing space would force an unnatural token on the continuation.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._segment import Sentence

EditKind = Literal["remove", "inject", "truncate", "resample-from"]
Arm = Literal["edited", "base", "control"]
InjectAt = Literal["start", "before-target", "random"]


class EditError(ValueError):
    """An edit cannot be planned on this transcript (no target, no sentences)."""


@dataclass(frozen=True)
class ArmPrefix:
    """One arm: the reasoning prefix its continuations start from."""

    arm: Arm
    """`edited`, `base` (unedited, same cut point) or `control`."""
    prefix: str
    """Reasoning text the continuation follows (no trailing whitespace)."""
    mark: tuple[int, int] | None = None
    """Span of `prefix` to highlight: the inserted sentence, or the kept target."""


@dataclass(frozen=True)
class EditPlan:
    """What an edit does to one transcript."""

    edit: EditKind
    """The edit."""
    site: int
    """Index of the sentence the edit is anchored at."""
    arms: tuple[ArmPrefix, ...]
    """The arms, `edited` first."""
    removed: str | None = None
    """Text removed (remove) or cut (truncate, resample-from): what may reappear."""
    inserted: str | None = None
    """Sentence injected into the edited arm."""
    cut: int = 0
    """Offset in the original reasoning where the arms leave it (which turn they continue)."""

    def arm(self, name: Arm) -> ArmPrefix | None:
        """The named arm, or None when the plan has no such arm."""
        return next((a for a in self.arms if a.arm == name), None)


def _cut(text: str, pos: int) -> str:
    return text[:pos].rstrip()


def _append(base: str, text: str, sep: str) -> tuple[str, tuple[int, int]]:
    glue = sep if base else ""
    out = base + glue + text
    return out, (len(base) + len(glue), len(out))


def _separator(text: str, pos: int) -> str:
    gap = text[len(text[:pos].rstrip()) : pos]
    return gap if gap else " "


def plan_remove(
    text: str,
    sentences: Sequence[Sentence],
    targets: Sequence[int],
    keep_rest: bool = False,
    control: str | None = None,
) -> EditPlan:
    """Remove the target sentences (see the module docstring).

    Args:
        text: Reasoning text.
        sentences: Its sentences.
        targets: Target sentence indices (at least one).
        keep_rest: Cut the targets out of the whole reasoning (off-policy) instead of
            resampling from the first target.
        control: A neutral sentence put where the first target was (control arm), or
            None for no control.

    Returns:
        The plan.

    Raises:
        EditError: No target, or a control with `keep_rest`.
    """
    if not targets:
        raise EditError("remove needs at least one target sentence")
    if keep_rest and control is not None:
        raise EditError("remove --keep-rest has no control arm")
    first = sentences[targets[0]]
    removed = " ".join(sentences[i].text for i in targets)
    if keep_rest:
        kept = [s for s in sentences if s.index not in set(targets)]
        edited = _join_kept(text, kept)
        base = ArmPrefix("base", text.rstrip(), (first.start, first.end))
        return EditPlan(
            "remove", first.index, (ArmPrefix("edited", edited), base), removed, cut=len(text)
        )
    edited = _cut(text, first.start)
    arms = [
        ArmPrefix("edited", edited),
        ArmPrefix("base", text[: first.end], (first.start, first.end)),
    ]
    if control is not None:
        controlled, cmark = _append(edited, control.strip(), _separator(text, first.start))
        arms.append(ArmPrefix("control", controlled, cmark))
    return EditPlan("remove", first.index, tuple(arms), removed, cut=first.start)


def _join_kept(text: str, kept: Sequence[Sentence]) -> str:
    out = ""
    for s in kept:
        out = _append(out, s.text, _separator(text, s.start))[0]
    return out


def injection_point(
    sentences: Sequence[Sentence],
    at: InjectAt,
    targets: Sequence[int],
    seed_key: str,
) -> int:
    """Index of the sentence before which to inject.

    Args:
        sentences: The reasoning's sentences.
        at: `start`, `before-target` (the first target) or `random` (seeded by `seed_key`).
        targets: Target sentence indices (for `before-target`).
        seed_key: Stable key (the sample and the edit) that seeds the random choice.

    Returns:
        A sentence index in [0, len(sentences)] (the length means "at the end").

    Raises:
        EditError: `before-target` without a target.
    """
    if at == "start":
        return 0
    if at == "before-target":
        if not targets:
            raise EditError("inject --at before-target needs a target (--where)")
        return targets[0]
    digest = hashlib.sha256(seed_key.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big")).randint(0, len(sentences))


def plan_inject(
    text: str, sentences: Sequence[Sentence], site: int, sentence: str, control: str | None
) -> EditPlan:
    """Inject `sentence` before sentence `site` (see the module docstring).

    Args:
        text: Reasoning text.
        sentences: Its sentences.
        site: Sentence index to inject before (len(sentences) for the end).
        sentence: The injected sentence.
        control: A neutral sentence for the control arm, or None for no control.

    Returns:
        The plan.
    """
    pos = sentences[site].start if site < len(sentences) else len(text)
    base = _cut(text, pos)
    sep = _separator(text, pos) if site < len(sentences) else " "
    edited, mark = _append(base, sentence.strip(), sep)
    arms = [ArmPrefix("edited", edited, mark), ArmPrefix("base", base)]
    if control is not None:
        controlled, cmark = _append(base, control.strip(), sep)
        arms.append(ArmPrefix("control", controlled, cmark))
    return EditPlan("inject", site, tuple(arms), inserted=sentence.strip(), cut=pos)


def plan_truncate(
    text: str, sentences: Sequence[Sentence], site: int, edit: EditKind = "truncate"
) -> EditPlan:
    """Cut the reasoning before sentence `site`; the base arm keeps that sentence.

    Args:
        text: Reasoning text.
        sentences: Its sentences.
        site: Sentence index.
        edit: `truncate` or `resample-from` (the label stored with the plan).

    Returns:
        The plan.

    Raises:
        EditError: `site` is out of range.
    """
    if not 0 <= site < len(sentences):
        raise EditError(f"sentence {site} out of range (the reasoning has {len(sentences)})")
    s = sentences[site]
    return EditPlan(
        edit,
        site,
        (
            ArmPrefix("edited", _cut(text, s.start)),
            ArmPrefix("base", text[: s.end], (s.start, s.end)),
        ),
        removed=s.text,
        cut=s.start,
    )


def neutral_sentence(candidates: Sequence[str], like: str, seed_key: str) -> str:
    """The candidate closest in length to `like` (ties broken by a seeded choice).

    Args:
        candidates: Neutral sentences.
        like: The sentence whose length to match.
        seed_key: Stable key for the tie-break.

    Returns:
        A candidate.
    """
    if not candidates:
        raise EditError("no neutral sentences to draw a control from")
    best = min(abs(len(c) - len(like)) for c in candidates)
    ties = sorted(c for c in candidates if abs(len(c) - len(like)) == best)
    digest = hashlib.sha256(seed_key.encode()).digest()
    return ties[int.from_bytes(digest[:4], "big") % len(ties)]
