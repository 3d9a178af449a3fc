"""Sweep specs: YAML files naming models or checkpoints, suites and generation settings."""

from ._execution import ExecutionSettings, ModelResources
from ._load import SpecError, check_models, expand_models, load_spec, parse_spec
from ._models import (
    CheckpointPattern,
    GenerationSettings,
    ModelEntry,
    Precision,
    SuiteSelection,
    SweepSpec,
)

__all__ = [
    "CheckpointPattern",
    "ExecutionSettings",
    "GenerationSettings",
    "ModelEntry",
    "ModelResources",
    "Precision",
    "SpecError",
    "SuiteSelection",
    "SweepSpec",
    "check_models",
    "expand_models",
    "load_spec",
    "parse_spec",
]
