"""Models cotscope runs in-process: resolution, dequantized cache, engine, reasoning split.

The Inspect provider `local/...` lives in `cotscope.models._provider` (imported by
Inspect through cotscope's entry point). Nothing here imports torch until a model
is actually loaded.
"""

from ._batching import BatchScheduler
from ._dequantize import dequantized_checkpoint
from ._engine import LocalEngine, get_engine
from ._reasoning import (
    DEFAULT_THINK_END,
    DEFAULT_THINK_START,
    ReasoningSplit,
    join_reasoning,
    split_reasoning,
)
from ._resolve import (
    BUNDLED_MODELS,
    ModelResolutionError,
    ResolvedModel,
    cache_root,
    file_sha256,
    resolve_local_model,
)
from ._types import Completion, Dtype, GenerationRequest

__all__ = [
    "BUNDLED_MODELS",
    "DEFAULT_THINK_END",
    "DEFAULT_THINK_START",
    "BatchScheduler",
    "Completion",
    "Dtype",
    "GenerationRequest",
    "LocalEngine",
    "ModelResolutionError",
    "ReasoningSplit",
    "ResolvedModel",
    "cache_root",
    "dequantized_checkpoint",
    "file_sha256",
    "get_engine",
    "join_reasoning",
    "resolve_local_model",
    "split_reasoning",
]
