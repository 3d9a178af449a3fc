"""Suites of evaluation environments, each a family of versioned prompt variants.

Writing a suite (docs/writing-a-suite.md): variants in a YAML file read with
`load_variant_file`; outcomes declared with `OutcomeDef` (and `unparseable`); an
Inspect task built with `suite_task` and `seeded_generate`; all tied together by
`define_suite`, whose result the package names in the `cotscope.suites` entry-point
group. `suite_task`, `seeded_generate` and `outcome_metric` import Inspect, so they
load on first use and importing this package stays cheap.
"""

from typing import TYPE_CHECKING, Any

from ._outcome import (
    BOOLEAN_LABELS,
    ERROR,
    FAILURES,
    OutcomeDef,
    behaviour,
    boolean_outcomes,
    inferred_outcomes,
    unparseable,
)
from ._suite import (
    ENTRY_POINT_GROUP,
    SuiteDef,
    SuiteLoadError,
    UnknownSelectionError,
    WorkItem,
    define_suite,
    derive_seed,
    get_suite,
    lazy_task_builder,
    register_suite,
    suite_names,
    suite_packages,
    work_items,
)
from ._variant import Variant, VariantFileError, load_variant_file

if TYPE_CHECKING:
    from ._inspect import outcome_metric, seeded_generate, suite_task

_INSPECT_HELPERS = ("outcome_metric", "seeded_generate", "suite_task")


def __getattr__(name: str) -> Any:
    if name in _INSPECT_HELPERS:
        from . import _inspect

        return getattr(_inspect, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BOOLEAN_LABELS",
    "ENTRY_POINT_GROUP",
    "ERROR",
    "FAILURES",
    "OutcomeDef",
    "SuiteDef",
    "SuiteLoadError",
    "UnknownSelectionError",
    "Variant",
    "VariantFileError",
    "WorkItem",
    "behaviour",
    "boolean_outcomes",
    "define_suite",
    "derive_seed",
    "get_suite",
    "inferred_outcomes",
    "lazy_task_builder",
    "load_variant_file",
    "outcome_metric",
    "register_suite",
    "seeded_generate",
    "suite_names",
    "suite_packages",
    "suite_task",
    "unparseable",
    "work_items",
]
