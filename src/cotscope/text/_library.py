"""The shipped lexicons and user folders: find a lexicon by name, resolve its includes.

The detector lexicons shared by the graders (`cotscope grade --lexical`, prescreens)
and intervention targets (`--where lexical:<name>`) live in one folder,
`cotscope/text/lexicons/`, so that both apply the very same file: a `grader:<name>`
target reuses the lexicon of the same name. A user folder's `<name>.yaml` overrides
the shipped file of that name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from ._lexicon import Lexicon, load_lexicon
from ._matcher import LexiconMatcher

SHIPPED_FOLDER = "lexicons"
"""Folder of the shipped lexicons inside the `cotscope.text` package."""


@cache
def _shipped_files() -> dict[str, Traversable]:
    # Packaged data does not change while a process runs: list the folder once.
    folder = files("cotscope.text").joinpath(SHIPPED_FOLDER)
    return {
        e.name[: -len(".yaml")]: e
        for e in sorted(folder.iterdir(), key=lambda e: e.name)
        if e.name.endswith(".yaml")
    }


def lexicon_files(folders: Sequence[Path] = ()) -> dict[str, Path | Traversable]:
    """Every available lexicon file by name: shipped ones, then each user folder's.

    Args:
        folders: User lexicon folders; a later file of the same name wins.

    Returns:
        Name (file stem) to file.
    """
    out: dict[str, Path | Traversable] = {**_shipped_files()}
    for folder in folders:
        out.update({p.stem: p for p in sorted(Path(folder).glob("*.yaml"))})
    return out


def lexicon_names(folders: Sequence[Path] = ()) -> list[str]:
    """Names of the available lexicons (shipped plus user folders), sorted."""
    return sorted(lexicon_files(folders))


@dataclass(frozen=True, eq=False)
class ResolvedLexicon:
    """A lexicon with the lexicons it includes, ready to match."""

    lexicons: tuple[Lexicon, ...]
    """The named lexicon first, then its includes depth first, each once."""

    matcher: LexiconMatcher = field(repr=False)
    """All their rules, compiled."""

    @property
    def name(self) -> str:
        """The named lexicon's name."""
        return self.lexicons[0].name

    @property
    def version(self) -> int:
        """The named lexicon's version."""
        return self.lexicons[0].version

    @property
    def sha256(self) -> str:
        """The file's hash; with includes, the hash of every file's hash in order."""
        if len(self.lexicons) == 1:
            return self.lexicons[0].sha256
        joined = "\n".join(f"{x.name} {x.sha256}" for x in self.lexicons)
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def resolve_lexicon(name: str, folders: Sequence[Path] = ()) -> ResolvedLexicon:
    """Load a lexicon by name with everything it includes, and compile it.

    Shipped lexicons are cached; a call with user folders reads the files again.

    Args:
        name: Lexicon name, e.g. `eval-awareness`.
        folders: User lexicon folders (override shipped files of the same name).

    Returns:
        The resolved lexicon.

    Raises:
        KeyError: No lexicon has that name (or an included name).
        LexiconError: A file is malformed; the message names the file and field.
    """
    if not folders:
        return _resolve_shipped(name)
    return _resolve(name, lexicon_files(folders))


@cache
def _resolve_shipped(name: str) -> ResolvedLexicon:
    return _resolve(name, lexicon_files())


def _resolve(name: str, available: dict[str, Path | Traversable]) -> ResolvedLexicon:
    chain: list[Lexicon] = []
    seen: set[str] = set()

    def add(wanted: str) -> None:
        if wanted in seen:
            return
        seen.add(wanted)
        if wanted not in available:
            raise KeyError(f"no lexicon {wanted!r}; known: {', '.join(sorted(available))}")
        lexicon = load_lexicon(available[wanted])
        chain.append(lexicon)
        for other in lexicon.include:
            add(other)

    add(name)
    return ResolvedLexicon(tuple(chain), LexiconMatcher(chain))
