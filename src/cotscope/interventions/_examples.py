"""Edited transcripts to show: the first continuations of each experiment, as stored.

The report quotes a few of them beside the effects; this is the typed read it uses,
so that no query over the `interventions` table is written outside this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from cotscope.store import read_interventions

if TYPE_CHECKING:
    from cotscope.store import Store


class EditedExample(BaseModel):
    """One stored continuation of one arm, with the prefix it followed."""

    edit_label: str
    """Human label of the experiment, e.g. `remove regex:test`."""
    sample_uid: str
    """The edited transcript."""
    arm: str
    """`edited`, `base` or `control`."""
    site: int
    """Sentence index the edit is anchored at."""
    prefix: str
    """The (edited) reasoning prefix the continuation followed."""
    mark_start: int | None = None
    """Start of the inserted (or kept target) text in `prefix`."""
    mark_end: int | None = None
    """End of that text in `prefix`."""
    removed: str | None = None
    """Text the edit removed or cut, when any."""
    continuation: str
    """Generated text."""
    outcome: str
    """The suite scorer's outcome of the continuation."""
    tries: int | None = None
    """Tries used (None in rows of a table older than the column)."""


def edited_examples(store: Store, run: str, limit: int) -> list[EditedExample]:
    """The first resample's continuations, in experiment, transcript, site and arm order.

    Args:
        store: An open store (read-only is enough).
        run: Run name.
        limit: Rows to return at most.

    Returns:
        Up to `limit` continuations; none when the run was never intervened on.
    """
    rows = read_interventions(
        store,
        ("edit_label", "sample_uid", "arm", "site", "prefix", "mark_start", "mark_end",
         "removed", "continuation", "outcome", "tries"),
        run=run,
        first_resample_only=True,
        limit=limit,
    )  # fmt: skip
    return [EditedExample.model_validate(r) for r in rows]
