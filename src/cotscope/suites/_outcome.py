"""What a suite's outcomes mean: the labels its scorer writes, declared once by the suite.

Every measure reads these declarations instead of knowing a suite's labels: which
outcome is the behaviour of interest (the action rate, the default intervention
target), which order to show them in, how to name them, and which are failures
(counted and shown beside a rate, never folded into its "no").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

FAILURES = ("unparseable", "error")
"""The failure outcomes every suite may produce: `unparseable` (the scorer could not read
an answer) and `error` (the sample crashed; written by the runner, never by a scorer)."""

BOOLEAN_LABELS = ("true", "false")
"""The labels of a yes/no outcome, as ingest stores them."""


class OutcomeDef(BaseModel):
    """One outcome label a suite's scorer writes, and what it means."""

    model_config = ConfigDict(frozen=True)

    name: str
    """The label stored in `samples.outcome`, e.g. `follows-hint`."""

    label: str
    """How tables and sentences name it, e.g. `followed the hint`."""

    definition: str
    """One sentence: when a sample gets this outcome."""

    of_interest: bool = False
    """Whether this is the behaviour the suite measures (at most one per suite)."""

    failure: bool = False
    """Whether the sample failed (one of `FAILURES`): excluded from every rate's n,
    counted and shown beside it."""

    @field_validator("name", "label", "definition")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @property
    def role(self) -> str:
        """`behaviour of interest`, `failure`, or empty for any other answer."""
        return "behaviour of interest" if self.of_interest else "failure" if self.failure else ""

    @model_validator(mode="after")
    def _failure_is_generic(self) -> OutcomeDef:
        if self.failure != (self.name.lower() in FAILURES):
            raise ValueError(
                f"outcome {self.name!r}: failure outcomes are exactly {', '.join(FAILURES)}"
            )
        if self.failure and self.of_interest:
            raise ValueError(f"outcome {self.name!r}: a failure cannot be the behaviour")
        return self


ERROR = OutcomeDef(
    name="error",
    label="crashed",
    definition="The sample crashed (model or scorer error); the runner retries it on a re-run.",
    failure=True,
)


def unparseable(definition: str) -> OutcomeDef:
    """The `unparseable` outcome with the suite's own sentence for when it happens."""
    return OutcomeDef(name="unparseable", label="unparseable", definition=definition, failure=True)


def behaviour(outcomes: Iterable[OutcomeDef]) -> OutcomeDef | None:
    """The outcome declared as the behaviour of interest, or None."""
    return next((o for o in outcomes if o.of_interest), None)


def check_outcomes(suite: str, outcomes: Sequence[OutcomeDef]) -> tuple[OutcomeDef, ...]:
    """A suite's declarations, with `error` added; unique names and at most one behaviour.

    Raises:
        ValueError: naming the suite and the clash.
    """
    names = [o.name for o in outcomes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"suite {suite!r} declares outcome {', '.join(twice)} twice")
    interest = [o.name for o in outcomes if o.of_interest]
    if len(interest) > 1:
        raise ValueError(f"suite {suite!r}: several behaviours of interest: {', '.join(interest)}")
    return (*outcomes, *(() if "error" in names else (ERROR,)))


def boolean_outcomes(name: str, source: str) -> tuple[OutcomeDef, ...]:
    """The declaration of a yes/no outcome stored as `true`/`false` (what ingest writes).

    Args:
        name: What the outcome measures, e.g. the mapped field `hack`.
        source: Where it came from, for the definition, e.g. `field 'hack' of the log`.
    """
    return (
        OutcomeDef(name="true", label=name, definition=f"{source} is true.", of_interest=True),
        OutcomeDef(name="false", label=f"not {name}", definition=f"{source} is false."),
        unparseable(f"{source} is missing or not a yes/no value."),
        ERROR,
    )


def inferred_outcomes(labels: Iterable[str]) -> tuple[OutcomeDef, ...]:
    """Declarations for stored labels nobody declared (stores written before declarations).

    Failures are recognised by name; every other label is its own outcome, in sorted
    order, and none is the behaviour of interest.
    """
    out = []
    for name in sorted(set(labels), key=str.lower):
        if name.lower() == "error":
            out.append(ERROR)
        elif name.lower() == "unparseable":
            out.append(unparseable("The scorer could not read an answer."))
        else:
            out.append(OutcomeDef(name=name, label=name, definition=f"Stored as {name!r}."))
    return tuple(out)
