"""Tracked terms: a versioned default list, and the user's own.

A term is a name and the forms (single tokens) counted for it. The default list
is a data file in this package; results carry its version and SHA-256, so a rate
always says which list produced it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

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
    """SHA-256 of the data file's bytes; None for a user list."""


def _term(name: str, forms: Sequence[str]) -> TrackedTerm:
    tokens = tuple(dict.fromkeys(single_token(f) for f in forms))
    return TrackedTerm(term=single_token(name), forms=tokens)


def load_term_file(path: Path | None = None) -> TermList:
    """Load a tracked-terms file (the packaged default when `path` is None).

    Args:
        path: A YAML file with `version` and `terms: [{term, forms}]`.

    Returns:
        The list with the file's version and hash.

    Raises:
        ValueError: The file is malformed or a form is not a single token.
    """
    if path is None:
        data = files("cotscope.terms").joinpath("data", DEFAULT_TERMS_FILE).read_bytes()
        source = DEFAULT_TERMS_FILE
    else:
        data = path.read_bytes()
        source = str(path)
    raw = yaml.safe_load(data)
    if not isinstance(raw, dict) or not isinstance(raw.get("terms"), list):
        raise ValueError(f"{source}: expected a mapping with a `terms` list")
    terms = []
    for i, entry in enumerate(raw["terms"]):
        if not isinstance(entry, dict) or "term" not in entry:
            raise ValueError(f"{source}: entry {i} needs a `term`")
        name = str(entry["term"])
        forms = [str(f) for f in entry.get("forms") or [name]]
        try:
            terms.append(_term(name, forms))
        except ValueError as ex:
            raise ValueError(f"{source}: entry {i} ({name!r}): {ex}") from None
    version = raw.get("version")
    return TermList(
        terms=terms,
        source=source,
        version=int(version) if version is not None else None,
        sha256=hashlib.sha256(data).hexdigest(),
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
