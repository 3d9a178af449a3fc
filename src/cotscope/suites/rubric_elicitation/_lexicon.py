"""The lexicon of the rubric-focus classifier: term lists and thresholds as data.

`data/lexicon.yaml` is a lexicon in the one format of `cotscope.text`, read by its
loader: `groups` holds three lists of direction terms (alignment; capability; exploit
terms, which count for capability unless negated), negation cues, penalty cues and
rubric cues; `settings` holds the echo weight, the share thresholds and the sizes.
This module checks the classifier's own contract on top (every list present, every
threshold in range, no term in two direction lists); `_classify.py` applies them with
the shared phrase matcher. The file's SHA-256 goes into every variant's scoring rule
and every score's metadata.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cotscope.text import LexiconError, PhraseMatcher, compile_phrases
from cotscope.text import parse_lexicon as _parse_file

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.yaml"

__all__ = ["LEXICON_FILE", "Lexicon", "LexiconError", "load_lexicon", "matcher", "parse_lexicon"]

_GROUPS = ("negations", "alignment", "capability", "exploit", "post_negations", "rubric_cues")


class Lexicon(BaseModel):
    """The classifier's view of the lexicon file: its settings and groups, checked."""

    model_config = ConfigDict(extra="forbid")

    version: int
    """Bumped by hand when a list, a threshold or the matching rule changes."""

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


def matcher(terms: list[str]) -> PhraseMatcher:
    """The shared phrase matcher of a term list, compiled once per distinct list."""
    return compile_phrases(tuple(terms))


def _where(loc: tuple[int | str, ...]) -> str:
    # A field's place in the file (thresholds under `settings`, lists under `groups`),
    # followed by ": "; nothing for a check across fields.
    if not loc:
        return ""
    name = str(loc[0])
    section = "groups." if name in _GROUPS else "" if name == "version" else "settings."
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    return f"{section}{name}{rest}: "


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
    lexicon = _parse_file(text, source)
    fields = {**lexicon.settings, **lexicon.groups}
    try:
        return Lexicon.model_validate(
            {**fields, "version": lexicon.version, "sha256": lexicon.sha256}
        )
    except ValidationError as ex:
        problems = "; ".join(f"{_where(e['loc'])}{e['msg']}" for e in ex.errors())
        raise LexiconError(f"{source}: {problems}") from None


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The shipped lexicon (cached), or the one at `path`."""
    if path is None:
        return _shipped()
    return parse_lexicon(path.read_text(encoding="utf-8"), str(path))


@cache
def _shipped() -> Lexicon:
    return parse_lexicon(LEXICON_FILE.read_text(encoding="utf-8"), LEXICON_FILE.name)
