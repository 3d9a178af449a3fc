"""Load the reward-hint variants from the YAML files in `data/` (cached)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .._variant import Variant, VariantFileError, load_variant_file
from ._classify import ScoringRuleError, check_scoring

SUITE = "reward_hints"
DATA_DIR = Path(__file__).parent / "data"

# Families in the order `cotscope suites` lists them; a data file per family.
FAMILY_FILES = (
    "base",
    "control",
    "field",
    "paraphrase",
    "obfuscation",
    "oversight",
    "applicability",
    "payoff",
    "leaked_key",
    "offset",
)


@cache
def _load() -> tuple[Variant, ...]:
    variants: list[Variant] = []
    seen: dict[str, str] = {}
    for family in FAMILY_FILES:
        path = DATA_DIR / f"{family}.yaml"
        for v in load_variant_file(path, SUITE):
            if v.id in seen:
                raise VariantFileError(f"{path}: variant id {v.id!r} already in {seen[v.id]}")
            try:
                check_scoring(v.scoring)
            except ScoringRuleError as ex:
                raise VariantFileError(f"{path}: variant {v.id}: {ex}") from ex
            seen[v.id] = path.name
            variants.append(v)
    return tuple(variants)


def load_variants() -> list[Variant]:
    """Every variant of the suite, in family and file order.

    Returns:
        A fresh list (the parsed files are cached; the list is a copy).

    Raises:
        VariantFileError: if a data file is malformed, an id repeats, or a scoring
            rule is invalid.
    """
    return list(_load())
