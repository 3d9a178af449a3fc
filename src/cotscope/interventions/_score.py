"""Score a continuation with its suite's own scorer.

Each suite contributes a pure function of (scoring rule, prompt, visible answer)
returning the same outcome label its Inspect scorer stores; the rule comes from
the run's `variants` table (the exact text that was run), falling back to the
suite's data files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

OutcomeFn = Callable[[Mapping[str, Any], str, str], str]
"""(scoring rule, prompt, visible answer) -> outcome label."""


class ScorerError(LookupError):
    """No scorer or scoring rule for a sample."""


def _reward_hints(scoring: Mapping[str, Any], prompt: str, visible: str) -> str:
    from cotscope.suites.reward_hints import classify, prompt_numbers

    return classify(visible, scoring, prompt_numbers(prompt)).outcome


_SCORERS: dict[str, OutcomeFn] = {"reward_hints": _reward_hints}


def outcome_fn(suite: str) -> OutcomeFn:
    """The outcome function of a suite.

    Args:
        suite: Suite name.

    Returns:
        The function.

    Raises:
        ScorerError: The suite has no continuation scorer (e.g. ingested transcripts).
    """
    if suite not in _SCORERS:
        raise ScorerError(
            f"suite {suite!r} has no scorer for continuations; known: {', '.join(_SCORERS)}"
        )
    return _SCORERS[suite]


def scoring_rule(store: Any, suite: str, variant_id: str, variant_hash: str) -> dict[str, Any]:
    """The scoring rule a sample was scored with.

    Args:
        store: The run's open `Store`.
        suite: Suite name.
        variant_id: Variant id.
        variant_hash: Variant hash.

    Returns:
        The variant's `scoring` mapping.

    Raises:
        ScorerError: Neither the store nor the suite knows the variant.
    """
    import json

    rows = store.query(
        "SELECT scoring FROM variants WHERE suite = ? AND variant_id = ? AND variant_hash = ?",
        [suite, variant_id, variant_hash],
    )
    if rows and rows[0]["scoring"]:
        raw = rows[0]["scoring"]
        return dict(json.loads(raw) if isinstance(raw, str) else raw)
    from cotscope.suites import get_suite

    try:
        for v in get_suite(suite).variants():
            if v.id == variant_id and v.hash == variant_hash:
                return dict(v.scoring)
    except KeyError:
        pass
    raise ScorerError(f"no scoring rule for {suite}/{variant_id} ({variant_hash[:12]})")
