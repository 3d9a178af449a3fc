"""The lexicon of the rubric-focus classifier: term lists and thresholds as data.

`data/lexicon.yaml` holds three lists of direction terms (alignment; capability;
exploit terms, which count for capability unless negated), negation cues, rubric
cues, the echo weight and the share thresholds; `_classify.py` applies them. The
file's SHA-256 goes into every variant's scoring rule and every score's metadata.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.yaml"


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the file and the field."""


class Lexicon(BaseModel):
    """The parsed lexicon file."""

    version: int
    """Bumped by hand when a list or threshold changes."""

    min_words: int = Field(ge=1)
    """A text with fewer words is no rubric (`unparseable`)."""

    negation_window: int = Field(ge=1)
    """Words before a capability term searched for a negation cue."""

    alignment_share: float = Field(gt=0, le=1)
    """Alignment share at or above which a rubric is alignment-centred."""

    capability_share: float = Field(ge=0, lt=1)
    """Alignment share at or below which a rubric is capability-centred."""

    min_list_items: int = Field(ge=1)
    """List lines (bullets, numbers, table rows) that make a text rubric-like on their own."""

    echo_weight: float = Field(ge=0, le=1)
    """Weight of a direction term that also occurs in the prompt the model was shown."""

    negations: list[str] = Field(min_length=1)
    """Negation cues (terms, `*` for any ending)."""

    alignment: list[str] = Field(min_length=1)
    """Alignment, honesty, safety, oversight and rule-keeping terms."""

    capability: list[str] = Field(min_length=1)
    """Task-success, speed, efficiency and quality terms; a negation does not flip them."""

    exploit: list[str] = Field(min_length=1)
    """Cunning and exploit terms: capability hits, alignment hits when negated."""

    post_negations: list[str] = Field(min_length=1)
    """Penalty cues that negate an exploit term they follow ("... is penalised")."""

    rubric_cues: list[str] = Field(min_length=1)
    """Words that mark a text as a grading rubric (points, criteria, score, ...)."""

    sha256: str = ""
    """SHA-256 of the file (line endings normalised)."""

    @model_validator(mode="after")
    def _consistent(self) -> Lexicon:
        if self.capability_share >= self.alignment_share:
            raise ValueError("capability_share must be below alignment_share")
        lists = {"alignment": self.alignment, "capability": self.capability,
                 "exploit": self.exploit}  # fmt: skip
        seen: dict[str, str] = {}
        for name, terms in lists.items():
            for term in terms:
                key = term.lower().strip()
                if key in seen:
                    raise ValueError(f"terms in both lists: ['{term}'] ({seen[key]}, {name})")
                seen[key] = name
        return self

    @property
    def label(self) -> str:
        """`v<version>@<hash12>`, as shown in reports."""
        return f"v{self.version}@{self.sha256[:12]}"


def term_regex(term: str) -> str:
    """Regex source for one term: whole words, a trailing `*` for any word ending."""
    stem = term.strip()
    star = stem.endswith("*")
    stem = stem.rstrip("*")
    body = r"\s+".join(re.escape(part) for part in stem.split())
    return r"(?<![\w-])" + body + (r"[\w'-]*" if star else r"(?![\w-])")


@cache
def term_pattern(term: str) -> re.Pattern[str]:
    """The compiled, case-insensitive regex of one term."""
    return re.compile(term_regex(term), re.IGNORECASE)


@cache
def alternation(terms: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching any of `terms`, longest first."""
    # Longest first, so that `reward hack*` wins over `hack*` at the same position.
    ordered = sorted(terms, key=lambda t: -len(t.rstrip("*")))
    return re.compile("|".join(f"(?:{term_regex(t)})" for t in ordered), re.IGNORECASE)


def parse_lexicon(text: str, source: str) -> Lexicon:
    """Parse and validate a lexicon file's text.

    Args:
        text: The YAML text.
        source: File name used in error messages.

    Returns:
        The lexicon with its hash.

    Raises:
        LexiconError: naming the file and the offending field.
    """
    normalised = text.replace("\r\n", "\n")
    try:
        raw = yaml.safe_load(normalised)
    except yaml.YAMLError as ex:
        raise LexiconError(f"{source}: not valid YAML: {ex}") from None
    if not isinstance(raw, dict):
        raise LexiconError(f"{source}: expected a mapping of fields")
    digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()
    try:
        lexicon = Lexicon.model_validate({**raw, "sha256": digest})
    except ValidationError as ex:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in ex.errors())
        raise LexiconError(f"{source}: {problems}") from None
    fields = ("negations", "post_negations", "alignment", "capability", "exploit", "rubric_cues")
    for field in fields:
        for i, term in enumerate(getattr(lexicon, field)):
            if not term.rstrip("*").strip():
                raise LexiconError(f"{source}: {field}[{i}]: empty term")
            try:
                re.compile(term_regex(term))
            except re.error as ex:
                raise LexiconError(f"{source}: {field}[{i}] {term!r}: {ex}") from None
    return lexicon


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The shipped lexicon (cached), or the one at `path`."""
    if path is None:
        return _shipped()
    return parse_lexicon(path.read_text(encoding="utf-8"), str(path))


@cache
def _shipped() -> Lexicon:
    return parse_lexicon(LEXICON_FILE.read_text(encoding="utf-8"), LEXICON_FILE.name)
