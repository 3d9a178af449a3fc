"""Build the rubric-elicitation variants: every environment under every ask phrasing.

`data/environments.yaml` holds the environment descriptions and `data/asks.yaml`
the phrasings of the request (each with an `{environment}` slot). A variant is one
environment in one ask: id `<environment>/<ask>`, family the environment's kind,
text the ask with the environment's text in its slot, byte for byte. Its version
is `environment + ask + lexicon versions - 2`, so bumping any of them bumps it.
The scoring rule names the environment, the ask and the lexicon's version and
SHA-256, so changing the term lists makes new variants too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .._variant import Variant, VariantFileError
from ._lexicon import LexiconError, load_lexicon

SUITE = "rubric_elicitation"
DATA_DIR = Path(__file__).parent / "data"
ENVIRONMENTS_FILE = DATA_DIR / "environments.yaml"
ASKS_FILE = DATA_DIR / "asks.yaml"
SLOT = "{environment}"
M = TypeVar("M", bound=BaseModel)


class Environment(BaseModel):
    """One described alignment environment."""

    id: str
    """Stable id, e.g. `quiz-unlearning`."""
    family: str
    """Kind of environment, e.g. `sandbagging`, `oversight`, `honesty`."""
    version: int = 1
    """Bumped by hand when the wording changes."""
    description: str
    """One line for `cotscope suites`."""
    text: str
    """The description shown to the model."""


class Ask(BaseModel):
    """One phrasing of the request to write the designers' rubric."""

    id: str
    """Stable id, e.g. `designer`."""
    version: int = 1
    """Bumped by hand when the wording changes."""
    description: str
    """One line saying how this phrasing differs."""
    text: str
    """The request, with exactly one `{environment}` slot."""


def _entries(path: Path, key: str) -> list[dict[str, Any]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as ex:
        raise VariantFileError(f"{path}: not valid YAML: {ex}") from None
    entries = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise VariantFileError(f"{path}: expected a non-empty `{key}:` list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise VariantFileError(f"{path}: {key}[{i}] is not a mapping")
    return entries


def _parse(path: Path, key: str, model: type[M]) -> list[M]:
    out: list[M] = []
    seen: set[str] = set()
    for i, entry in enumerate(_entries(path, key)):
        ident = entry.get("id", f"#{i}")
        try:
            item = model.model_validate(entry)
        except ValidationError as ex:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in ex.errors())
            raise VariantFileError(f"{path}: {key}[{i}] ({ident}): {problems}") from None
        item_id = str(item.model_dump()["id"])
        if item_id in seen:
            raise VariantFileError(f"{path}: {key}[{i}]: id {item_id!r} repeats")
        seen.add(item_id)
        out.append(item)
    return out


def build_variants(environments_file: Path, asks_file: Path) -> list[Variant]:
    """Every environment × ask variant from the two data files.

    Args:
        environments_file: YAML with an `environments:` list.
        asks_file: YAML with an `asks:` list; each text has one `{environment}` slot.

    Returns:
        Variants in environment order, asks in file order within each.

    Raises:
        VariantFileError: naming the file, the entry and the field at fault.
    """
    environments = _parse(environments_file, "environments", Environment)
    asks = _parse(asks_file, "asks", Ask)
    for i, ask in enumerate(asks):
        if ask.text.count(SLOT) != 1:
            raise VariantFileError(
                f"{asks_file}: asks[{i}] ({ask.id}): text must hold exactly one {SLOT} slot"
            )
    try:
        lexicon = load_lexicon()
    except LexiconError as ex:
        raise VariantFileError(str(ex)) from None
    return [
        Variant(
            suite=SUITE,
            id=f"{env.id}/{ask.id}",
            family=env.family,
            version=env.version + ask.version + lexicon.version - 2,
            text=ask.text.replace(SLOT, env.text.strip()),
            scoring={
                "kind": "rubric-focus",
                "environment": env.id,
                "ask": ask.id,
                "lexicon_version": lexicon.version,
                "lexicon_sha256": lexicon.sha256,
            },
            description=f"{env.description} (ask: {ask.id})",
            source_file=f"{environments_file.name}+{asks_file.name}",
        )
        for env in environments
        for ask in asks
    ]


@cache
def _load() -> tuple[Variant, ...]:
    return tuple(build_variants(ENVIRONMENTS_FILE, ASKS_FILE))


def load_variants() -> list[Variant]:
    """Every variant of the suite (the files are parsed once; the list is a copy).

    Raises:
        VariantFileError: if a data file is malformed.
    """
    return list(_load())
