"""Variants: named, versioned, byte-stable prompt texts loaded from data files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError


class VariantFileError(ValueError):
    """A variant data file is malformed; the message names the file and the entry."""


class Variant(BaseModel):
    """One prompt variant of a suite, as loaded from the suite's data files."""

    suite: str
    """Suite the variant belongs to, e.g. `reward_hints`."""

    id: str
    """Stable id within the suite, e.g. `base`, `field/score`, `leaked_key/q07`."""

    family: str
    """Variant family, e.g. `control`, `field`, `paraphrase`, `obfuscation`."""

    version: int = 1
    """Bumped by hand when the wording is changed on purpose."""

    text: str
    """The exact prompt, byte for byte, sent as the user message."""

    scoring: dict[str, Any] = Field(default_factory=dict)
    """How the suite's scorer classifies an answer to this variant (suite-specific)."""

    description: str = ""
    """One line saying what the variant changes relative to the base prompt."""

    source_file: str = ""
    """Data file the variant was read from (relative to the package)."""

    @property
    def full_id(self) -> str:
        """`suite/id`, the form the CLI and reports print."""
        return f"{self.suite}/{self.id}"

    @property
    def hash(self) -> str:
        """SHA-256 over the text and the scoring rule: any change makes a new variant."""
        canonical = json.dumps(
            {"text": self.text, "scoring": self.scoring}, sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def store_record(self) -> dict[str, Any]:
        """The row written to the store's `variants` table."""
        return {
            "suite": self.suite,
            "variant_id": self.id,
            "variant_hash": self.hash,
            "family": self.family,
            "version": self.version,
            "text": self.text,
            "scoring": self.scoring,
            "source_file": self.source_file,
        }


def load_variant_file(path: Path, suite: str) -> list[Variant]:
    """Load a YAML list of variants; errors name the file and the entry's index or id."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as ex:
        raise VariantFileError(f"{path}: not valid YAML: {ex}") from ex
    entries = raw.get("variants") if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise VariantFileError(f"{path}: expected a list of variants (or a `variants:` key)")
    defaults = raw.get("defaults", {}) if isinstance(raw, dict) else {}
    out: list[Variant] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise VariantFileError(f"{path}: entry {i} is not a mapping")
        data = {**defaults, **entry, "suite": suite, "source_file": path.name}
        try:
            out.append(Variant.model_validate(data))
        except ValidationError as ex:
            ident = entry.get("id", f"#{i}")
            raise VariantFileError(f"{path}: variant {ident}: {ex}") from ex
    return out
