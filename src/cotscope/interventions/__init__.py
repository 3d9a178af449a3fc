"""Causal interventions on the reasoning: remove, inject, truncate and resample.

Segment a transcript's reasoning into sentences, find targets (regex, lexicon or
grader evidence), plan an edit whose arms are cut at the same point (edited,
unedited base, neutral control), continue each arm from its exact prefix with a
backend that accepts one (replaying the conversation up to the edited turn),
score every continuation with its suite's own Inspect scorer,
and store the rows in the run's `interventions` table. Effects are differences of
action rates between arms, per transcript and aggregated, with intervals.
"""

from cotscope.store import INTERVENTIONS_TABLE as TABLE
from cotscope.store import InterventionRow

from ._backends import (
    Backend,
    CompletionsBackend,
    Continuation,
    LocalBackend,
    PrefillUnsupportedError,
    backend_for,
)
from ._edits import (
    Arm,
    ArmPrefix,
    EditError,
    EditKind,
    EditPlan,
    InjectAt,
    injection_point,
    neutral_sentence,
    plan_inject,
    plan_remove,
    plan_truncate,
)
from ._effects import (
    EffectRow,
    ImportanceRow,
    InterventionEffects,
    ReappearanceRow,
    intervention_effects,
)
from ._examples import EditedExample, edited_examples
from ._jobs import read_continuation
from ._options import InterventionOptions, InterventionSummary
from ._replay import Replay, inspect_messages, replay
from ._run import run_interventions
from ._score import (
    ContinuationScore,
    ContinuationScorer,
    ScorerError,
    agentic_reason,
    find_variant,
    score_batch,
)
from ._segment import MAX_WORDS, Sentence, segment
from ._targets import (
    TargetError,
    TargetSpec,
    grader_spans,
    lexicon_hash,
    lexicons,
    parse_target,
    target_sentences,
)

__all__ = [
    "MAX_WORDS",
    "TABLE",
    "Backend",
    "CompletionsBackend",
    "Continuation",
    "ContinuationScore",
    "ContinuationScorer",
    "InterventionOptions",
    "InterventionRow",
    "InterventionSummary",
    "LocalBackend",
    "PrefillUnsupportedError",
    "EditedExample",
    "EffectRow",
    "ImportanceRow",
    "InterventionEffects",
    "ReappearanceRow",
    "Replay",
    "ScorerError",
    "intervention_effects",
    "edited_examples",
    "backend_for",
    "agentic_reason",
    "find_variant",
    "inspect_messages",
    "replay",
    "score_batch",
    "read_continuation",
    "run_interventions",
    "Arm",
    "ArmPrefix",
    "EditError",
    "EditKind",
    "EditPlan",
    "InjectAt",
    "Sentence",
    "TargetError",
    "TargetSpec",
    "grader_spans",
    "injection_point",
    "lexicon_hash",
    "lexicons",
    "neutral_sentence",
    "parse_target",
    "plan_inject",
    "plan_remove",
    "plan_truncate",
    "segment",
    "target_sentences",
]
