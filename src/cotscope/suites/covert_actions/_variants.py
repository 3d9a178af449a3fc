"""Load the covert-actions variants (one YAML file per environment under `data/`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from .._variant import Variant, VariantFileError, load_variant_file
from ._rules import Rule

SUITE = "covert_actions"
DATA_DIR = Path(__file__).parent / "data"

ENVIRONMENTS = (
    "sandbagging_qa",
    "lazy_checklist",
    "log_falsification",
    "impossible_coding",
    "candidate_scoring",
    "powerseeking_survey",
    "grader_tampering",
    "legal_reporting",
)
"""Environment names, in the order `cotscope suites` lists them; each is a family."""


@cache
def _load() -> tuple[Variant, ...]:
    variants: list[Variant] = []
    seen: dict[str, str] = {}
    for env in ENVIRONMENTS:
        path = DATA_DIR / f"{env}.yaml"
        for v in load_variant_file(path, SUITE):
            if v.id in seen:
                raise VariantFileError(f"{path}: variant id {v.id!r} already in {seen[v.id]}")
            if v.family != env or not v.id.startswith(f"{env}/"):
                raise VariantFileError(f"{path}: variant {v.id}: family and id must start {env}")
            try:
                Rule.model_validate(v.scoring)
            except ValidationError as ex:
                raise VariantFileError(f"{path}: variant {v.id}: scoring: {ex}") from ex
            seen[v.id] = path.name
            variants.append(v)
    return tuple(variants)


def load_variants() -> list[Variant]:
    """Every variant, environment by environment, in file order.

    Raises:
        VariantFileError: naming the file and variant when a scoring block is
            invalid, an id repeats or a variant sits in the wrong file.
    """
    return list(_load())


def role_of(variant: Variant) -> str:
    """`treatment` or `control`."""
    return str(variant.scoring["role"])
