"""What each suite's stored outcome labels mean, as the run recorded it.

The sweep records its suites' declarations (`SuiteDef.outcomes`) when it starts;
ingest records a yes/no declaration named after the mapped field. Stores written
before declarations existed get one on reading: the registered suite's, else a yes/no
declaration for true/false labels, else one outcome per label.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cotscope.suites import (
    BOOLEAN_LABELS,
    FAILURES,
    OutcomeDef,
    boolean_outcomes,
    inferred_outcomes,
)

from ._results import _rollback, has_table

if TYPE_CHECKING:
    from ._store import Store

OUTCOME_COLUMNS: dict[str, str] = {
    "run": "VARCHAR NOT NULL",
    "suite": "VARCHAR NOT NULL",
    "position": "INTEGER NOT NULL",
    "name": "VARCHAR NOT NULL",
    "label": "VARCHAR NOT NULL",
    "definition": "VARCHAR NOT NULL",
    "of_interest": "BOOLEAN NOT NULL",
    "failure": "BOOLEAN NOT NULL",
}
"""The `outcomes` table: one row per (run, suite, outcome label)."""

INGEST_SUITE = "ingested"
"""The suite `cotscope ingest` stores into without `--suite`."""

BOOLEAN_MEASURE = "true"
"""A yes/no outcome's name when nothing names it."""


def write_outcomes(
    store: Store, run: str, suite: str, outcomes: Sequence[OutcomeDef], atomic: bool = True
) -> None:
    """Record a suite's declarations for a run, replacing any earlier ones.

    Args:
        store: A writable store.
        run: Run name.
        suite: Suite name.
        outcomes: The declarations, in display order.
        atomic: Wrap the replacement in its own transaction; False when the caller
            already holds one (ingest commits its samples and declarations together).
    """
    con = store.con
    try:
        if atomic:
            con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM outcomes WHERE run = ? AND suite = ?", [run, suite])
        con.executemany(
            "INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [run, suite, i, o.name, o.label, o.definition, o.of_interest, o.failure]
                for i, o in enumerate(outcomes)
            ],
        )
        if atomic:
            con.execute("COMMIT")
    except BaseException:
        if atomic:
            _rollback(con)
        raise


def declare_ingested(store: Store, run: str, suites: Sequence[str]) -> None:
    """Record declarations for suites an ingest just wrote, inside the ingest's transaction.

    A suite of true/false labels is declared yes/no under the name the ingests gave
    it (`--outcome-name`, else the mapped field); any other suite gets one outcome per
    stored label.
    """
    for suite in suites:
        labels = {
            str(r["outcome"])
            for r in store.query(
                "SELECT DISTINCT outcome FROM samples WHERE run = ? AND suite = ?", [run, suite]
            )
        }
        write_outcomes(store, run, suite, _undeclared(store, run, suite, labels), atomic=False)


def suite_outcomes(store: Store, run: str) -> dict[str, tuple[OutcomeDef, ...]]:
    """Every suite of a run with its outcome declarations, in declaration order.

    A stored label that no declaration names (a scorer changed since) is added after
    the declared ones, as it is, so that no stored sample goes unaccounted.
    """
    labels: dict[str, set[str]] = defaultdict(set)
    for r in store.query("SELECT DISTINCT suite, outcome FROM samples WHERE run = ?", [run]):
        labels[str(r["suite"])].add(str(r["outcome"]))
    declared: dict[str, list[OutcomeDef]] = defaultdict(list)
    if has_table(store, "outcomes"):
        for r in store.query(
            "SELECT * FROM outcomes WHERE run = ? ORDER BY suite, position", [run]
        ):
            declared[str(r["suite"])].append(
                OutcomeDef(
                    name=r["name"],
                    label=r["label"],
                    definition=r["definition"],
                    of_interest=bool(r["of_interest"]),
                    failure=bool(r["failure"]),
                )  # fmt: skip
            )
    out: dict[str, tuple[OutcomeDef, ...]] = {}
    for suite in sorted(set(labels) | set(declared)):
        found = tuple(declared.get(suite) or _undeclared(store, run, suite, labels[suite]))
        names = {o.name for o in found}
        out[suite] = found + inferred_outcomes(labels[suite] - names)
    return out


def _undeclared(store: Store, run: str, suite: str, labels: set[str]) -> tuple[OutcomeDef, ...]:
    from cotscope.suites import SuiteLoadError, get_suite

    try:
        registered = get_suite(suite).outcomes
    except (KeyError, SuiteLoadError):  # not installed here, or broken: read the labels
        registered = ()
    if registered and labels <= {o.name for o in registered}:
        return registered
    lowered = {lab.lower() for lab in labels}
    if lowered - set(FAILURES) and lowered <= {*BOOLEAN_LABELS, *FAILURES}:
        name = boolean_measure_name(store, run, suite)
        return boolean_outcomes(name, f"The logged outcome {name!r}")
    return inferred_outcomes(labels)


def boolean_measure_name(store: Store, run: str, suite: str | None = None) -> str:
    """What a true/false outcome of `suite` (None: any suite) measures.

    That is the ingests' `--outcome-name`, else the field they mapped to `outcome` (its
    last path segment), else `true`. An ingest counts for the suite it stored into
    (`--suite`, else `ingested`); one that mapped the suite from a field counts for all.
    """
    rows = store.query("SELECT spec FROM runs WHERE run = ?", [run])
    if not rows:
        return BOOLEAN_MEASURE
    raw = rows[0]["spec"]
    spec = json.loads(raw) if isinstance(raw, str) else raw
    names = set()
    for entry in (spec or {}).get("ingests", []) if isinstance(spec, dict) else []:
        mapped = entry.get("map") or {}
        into = entry.get("suite") or (None if "suite" in mapped else INGEST_SUITE)
        if suite is not None and into is not None and into != suite:
            continue
        field_name = entry.get("outcome_name") or (entry.get("map") or {}).get("outcome")
        names.add(str(field_name).split(".")[-1] if field_name else BOOLEAN_MEASURE)
    name = names.pop() if len(names) == 1 else BOOLEAN_MEASURE
    return name if name.lower() not in FAILURES else BOOLEAN_MEASURE
