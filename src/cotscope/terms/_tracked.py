"""Tracked terms: a versioned default list, and the user's own.

A term is a name and the forms (single tokens) counted for it. The default list
is a data file in this package, in the one lexicon format of `cotscope.text` (read
by its loader); results carry its version and SHA-256, so a rate always says which
list produced it.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, Field

from cotscope.text import LexiconError, load_lexicon, parse_lexicon

from ._tokenize import single_token

DEFAULT_TERMS_FILE = "tracked_terms.yaml"
"""The default list, in `cotscope/terms/data/`."""


class TrackedTerm(BaseModel):
    """One tracked term."""

    term: str
    """Name shown in tables and JSON."""

    forms: tuple[str, ...]
    """Tokens that count as the term (case-folded as the tokenizer produces them)."""


class TermList(BaseModel):
    """A list of tracked terms with its provenance."""

    terms: list[TrackedTerm] = Field(default_factory=list)
    """The terms, in display order."""

    source: str
    """Where the list came from: the data file's name, or `user`."""

    version: int | None = None
    """The data file's `version`; None for a user list."""

    sha256: str | None = None
    """SHA-256 of the data file (line endings normalised); None for a user list."""


def _term(name: str, forms: Sequence[str]) -> TrackedTerm:
    tokens = tuple(dict.fromkeys(single_token(f) for f in forms))
    return TrackedTerm(term=single_token(name), forms=tokens)


def load_term_file(path: Path | None = None) -> TermList:
    """Load a tracked-terms file (the packaged default when `path` is None).

    Args:
        path: A lexicon file (`cotscope.text` format) whose `terms` are
            `{term, forms}` entries (a bare string is a term counting only itself).

    Returns:
        The list with the file's version and hash.

    Raises:
        ValueError: The file is malformed (`cotscope.text.LexiconError`, naming the file
            and field) or a form is not a single token.
    """
    if path is None:
        file = files("cotscope.terms").joinpath("data", DEFAULT_TERMS_FILE)
        lexicon = parse_lexicon(file.read_text(encoding="utf-8"), DEFAULT_TERMS_FILE)
    else:
        lexicon = load_lexicon(path)
    if not lexicon.terms:
        raise LexiconError(f"{lexicon.file}: expected a non-empty `terms` list")
    terms = []
    for i, entry in enumerate(lexicon.terms):
        try:
            terms.append(_term(entry.term, entry.phrases))
        except ValueError as ex:
            raise ValueError(f"{lexicon.file}: entry {i} ({entry.term!r}): {ex}") from None
    return TermList(
        terms=terms, source=lexicon.file, version=lexicon.version, sha256=lexicon.sha256
    )


def parse_user_terms(spec: str, defaults: TermList | None = None) -> list[TrackedTerm]:
    """Parse `--track` text: comma-separated terms, `a|b` to count several forms as one.

    A bare name that the default list defines keeps the default's forms
    (`grader` counts grader and graders); any other name counts only itself.

    Args:
        spec: e.g. `watchers,autop,grader` or `hack|hacks|hacking,grader`.
        defaults: The default list, to resolve bare names.

    Returns:
        The terms in the given order, duplicates removed.

    Raises:
        ValueError: An entry is empty or a form is not a single token.
    """
    known = {t.term: t for t in defaults.terms} if defaults else {}
    out: dict[str, TrackedTerm] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        forms = [f.strip() for f in item.split("|") if f.strip()]
        if not forms:
            raise ValueError(f"empty term in {spec!r}")
        if len(forms) == 1 and single_token(forms[0]) in known:
            term = known[single_token(forms[0])]
        else:
            term = _term(forms[0], forms)
        out.setdefault(term.term, term)
    return list(out.values())
