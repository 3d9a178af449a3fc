"""One lexicon format: a versioned, hashed YAML file of phrases, groups and regexes.

Every term list in cotscope is a file in this format, read by `load_lexicon`: the
grader detectors and intervention targets (`cotscope/text/lexicons/`), the
rubric-focus classifier's lists (`suites/rubric_elicitation/data/lexicon.yaml`) and
the tracked terms (`terms/data/tracked_terms.yaml`). A consumer uses the fields it
needs and checks the rest of its own contract (a threshold's range, single-token
forms) on the parsed `Lexicon`.

The hash is the SHA-256 of the file's text with line endings normalised to LF, so
it names exactly the lists a result was produced with, comments included.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ._phrases import phrase_regex


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and the field."""


class _Readable(Protocol):
    # A pathlib.Path or an importlib.resources Traversable.
    @property
    def name(self) -> str: ...

    def read_text(self, encoding: str = ...) -> str: ...


class Term(BaseModel):
    """One entry of `terms`: a name and the phrases that count as it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1)
    """The term's name, shown in tables and hits; also its only phrase when `forms` is empty."""

    forms: tuple[str, ...] = ()
    """Phrases that count as the term (`cotscope terms`: single tokens); just `term` if empty."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        # A bare string entry is a term that is its own only form.
        return {"term": data} if isinstance(data, str) else data

    @property
    def phrases(self) -> tuple[str, ...]:
        """The phrases that count as the term."""
        return self.forms or (self.term,)


class Lexicon(BaseModel):
    """A parsed lexicon file (see `docs/graders.md` for the field reference)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    """Name the lexicon is known by (`lexical:<name>`); the file's stem when omitted."""

    version: int = Field(ge=1)
    """Bumped by hand whenever an entry, pattern or setting changes meaning."""

    description: str = ""
    """What the lexicon detects and how it was built (merges, found false positives)."""

    source: str | None = None
    """Where the entries came from, when not written from scratch for cotscope."""

    terms: tuple[Term, ...] = ()
    """Whole phrases (`cotscope.text` phrase rule), each a string or `{term, forms}`."""

    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Named phrase lists, for consumers that weigh kinds of phrase apart (rubric focus)."""

    patterns: tuple[str, ...] = ()
    """Python regexes, matched case-insensitively, for what a phrase cannot say."""

    exclude: tuple[str, ...] = ()
    """Regexes of hard negatives: a hit that overlaps one of their matches is dropped."""

    include: tuple[str, ...] = ()
    """Names of other lexicons whose terms, patterns and exclusions are added to these."""

    settings: dict[str, bool | int | float | str] = Field(default_factory=dict)
    """Consumer-specific numbers (thresholds, window sizes), checked by the consumer."""

    sha256: str = ""
    """SHA-256 of the file's text, line endings normalised (set by the loader)."""

    file: str = ""
    """The file it was read from (set by the loader; for messages)."""

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every phrase of `terms`, in file order."""
        return tuple(p for t in self.terms for p in t.phrases)

    @property
    def label(self) -> str:
        """`v<version>@<hash12>`, as shown in reports."""
        return f"v{self.version}@{self.sha256[:12]}"


_COMPUTED = ("sha256", "file")


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _check_rules(lexicon: Lexicon, source: str) -> None:
    # Pydantic checks the shape; a phrase or regex that cannot compile is named here.
    checks: list[tuple[str, str, bool]] = []
    for i, term in enumerate(lexicon.terms):
        where = f"terms[{i}]"
        if not term.forms:  # the name is the phrase
            checks.append((f"{where}.term", term.term, False))
        checks += [(f"{where}.forms[{j}]", f, False) for j, f in enumerate(term.forms)]
    for group, phrases in lexicon.groups.items():
        checks += [(f"groups.{group}[{j}]", p, False) for j, p in enumerate(phrases)]
    for name in ("patterns", "exclude"):
        checks += [(f"{name}[{j}]", p, True) for j, p in enumerate(getattr(lexicon, name))]
    for where, rule, is_regex in checks:
        try:
            re.compile(rule) if is_regex else phrase_regex(rule)
        except re.error as ex:
            raise LexiconError(f"{source}: {where} {rule!r}: bad regex: {ex}") from None
        except ValueError as ex:
            raise LexiconError(f"{source}: {where}: {ex}") from None


def parse_lexicon(text: str, source: str, name: str | None = None) -> Lexicon:
    """Parse and validate a lexicon file's text.

    Args:
        text: The YAML text.
        source: File name used in error messages and stored as `Lexicon.file`.
        name: Name to use when the file has no `name`; by default the stem of `source`.

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
    for key in _COMPUTED:
        if key in raw:
            raise LexiconError(f"{source}: {key}: set by the loader, not a field of the file")
    fields = {**raw, "sha256": hashlib.sha256(normalised.encode("utf-8")).hexdigest()}
    fields["file"] = source
    if "name" not in fields:
        fields["name"] = name if name is not None else Path(source).stem
    try:
        lexicon = Lexicon.model_validate(fields)
    except ValidationError as ex:
        problems = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in ex.errors())
        raise LexiconError(f"{source}: {problems}") from None
    _check_rules(lexicon, source)
    return lexicon


def load_lexicon(path: Path | _Readable) -> Lexicon:
    """Read and validate one lexicon file.

    Args:
        path: The file (a path, or a packaged resource).

    Returns:
        The lexicon; its `name` defaults to the file's stem.

    Raises:
        LexiconError: naming the file and the offending field.
        OSError: The file cannot be read.
    """
    stem = path.name.rsplit(".", 1)[0]  # a Traversable has no `.stem`
    return parse_lexicon(path.read_text(encoding="utf-8"), str(path), stem)
