"""Suites of evaluation environments, each a family of versioned prompt variants."""

from ._suite import (
    SuiteDef,
    UnknownSelectionError,
    WorkItem,
    derive_seed,
    get_suite,
    register_suite,
    suite_names,
    work_items,
)
from ._variant import Variant, VariantFileError, load_variant_file

__all__ = [
    "SuiteDef",
    "UnknownSelectionError",
    "Variant",
    "VariantFileError",
    "WorkItem",
    "derive_seed",
    "get_suite",
    "load_variant_file",
    "register_suite",
    "suite_names",
    "work_items",
]
