"""Typed reads for readers of a run as a whole: its record, variant texts, transcripts.

The report renders from results; what it shows beside them (the run's spec, variant
texts, a sample of transcripts) it reads here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._store import Store

TEXT_FIELDS = ("prompt", "reasoning", "answer")
"""The sample texts a transcript shows."""


@dataclass(frozen=True)
class RunRecord:
    """The `runs` row of a run: how it was made."""

    run: str
    spec: Any
    """The sweep spec as recorded (parsed JSON), or None."""
    spec_hash: str | None
    environment: Any
    """Serving stack and versions (parsed JSON), or None."""
    created_at: str | None
    updated_at: str | None


@dataclass(frozen=True)
class VariantText:
    """A variant's stored version and text (cut)."""

    version: str | None
    text: str | None


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def run_record(store: Store, run: str) -> RunRecord | None:
    """The run's record, or None for a store that has none (e.g. an old one)."""
    rows = store.query(
        "SELECT spec, spec_hash, environment, created_at, updated_at FROM runs WHERE run = ?",
        [run],
    )
    if not rows:
        return None
    r = rows[0]
    stamp = {k: None if r[k] is None else str(r[k]) for k in ("created_at", "updated_at")}
    return RunRecord(run, _loads(r["spec"]), r["spec_hash"], _loads(r["environment"]), **stamp)


def variant_texts(
    store: Store, hashes: Sequence[str], max_chars: int
) -> dict[tuple[str, str, str], VariantText]:
    """Stored variants with these text hashes, keyed by (suite, variant_id, variant_hash)."""
    if not hashes:
        return {}
    rows = store.con.execute(
        "SELECT suite, variant_id, variant_hash, version, left(text, ?) FROM variants "
        "WHERE list_contains(?, variant_hash)",
        [int(max_chars), sorted(set(hashes))],
    ).fetchall()
    return {(str(s), str(v), str(h)): VariantText(ver, text) for s, v, h, ver, text in rows}


def stratified_transcripts(
    store: Store, run: str, limit: int, max_chars: int, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Up to `limit` samples, round-robin over model × variant × outcome, texts cut.

    The order within each stratum is the sample uid's, a fixed pseudo-random order,
    so the same store always gives the same transcripts. Each text keeps one
    character more than `max_chars`, so a reader can tell that it was cut.
    """
    texts = ", ".join(f"left({f}, {int(max_chars) + 1}) AS {f}" for f in TEXT_FIELDS)
    cur = store.con.execute(
        f"""
        SELECT s.sample_uid, s.model_id, s.step, s.model_order, s.suite, s.variant_id,
               s.variant_hash, s.variant_family, s.epoch, s.outcome, s.parsed_answer, s.error,
               s.output_tokens, s.reasoning_kind, {texts}
        FROM samples s JOIN (SELECT unnest($uids) AS sample_uid) USING (sample_uid)
        ORDER BY s.step NULLS LAST, s.model_order, s.model_id, s.suite, s.variant_family,
                 s.variant_id, s.epoch
        """,
        {"uids": _round_robin(store, run, limit)},
    )
    cols = [d[0] for d in cur.description]
    while chunk := cur.fetchmany(batch):
        for r in chunk:
            yield dict(zip(cols, r, strict=True))


# One stratum per model × variant × outcome; hashed, since sorting a million rows by
# five strings was most of the cost (a collision would only merge two strata).
_STRATUM = "hash(model_id, suite, variant_id, variant_hash, outcome)"


def _round_robin(store: Store, run: str, limit: int) -> list[str]:
    """The uids of the first `limit` samples taking one per stratum in turn."""
    # The first round alone (each stratum's smallest uid) is a GROUP BY; only when it
    # has fewer than `limit` samples is the full ranking needed. On a log of rollouts,
    # where every sample is its own stratum, this took 0.26 s instead of 0.45 s at 1M.
    firsts = store.con.execute(
        f"SELECT min(sample_uid) AS u FROM samples WHERE run = ? GROUP BY {_STRATUM} "
        f"ORDER BY u LIMIT {int(limit)}",
        [run],
    ).fetchall()
    if len(firsts) == limit:
        return [str(u) for (u,) in firsts]
    ranked = store.con.execute(
        f"""
        WITH ranked AS (
            SELECT sample_uid, row_number() OVER (
                PARTITION BY {_STRATUM} ORDER BY sample_uid) AS rn
            FROM samples WHERE run = ?
        )
        SELECT sample_uid FROM ranked ORDER BY rn, sample_uid LIMIT {int(limit)}
        """,
        [run],
    ).fetchall()
    return [str(u) for (u,) in ranked]


@dataclass(frozen=True)
class StoredVariant:
    """A variant as the `variants` table holds it."""

    suite: str
    variant_id: str
    variant_hash: str
    family: str
    version: int | None
    text: str
    scoring: dict[str, Any]
    """The scoring rule (parsed JSON; empty when none was stored)."""
    source_file: str | None


def stored_variant(
    store: Store, suite: str, variant_id: str, variant_hash: str
) -> StoredVariant | None:
    """The stored variant with this suite, id and text hash, or None."""
    rows = store.con.execute(
        "SELECT family, version, text, scoring, source_file FROM variants "
        "WHERE suite = ? AND variant_id = ? AND variant_hash = ?",
        [suite, variant_id, variant_hash],
    ).fetchall()
    if not rows:
        return None
    family, version, text, scoring, source = rows[0]
    parsed = json.loads(scoring) if isinstance(scoring, str) else dict(scoring or {})
    return StoredVariant(
        suite, variant_id, variant_hash, family, version, text, parsed or {}, source
    )


def family_order(store: Store) -> list[str]:
    """Variant families in the order their first variant was stored (the spec's order)."""
    rows = store.con.execute(
        "SELECT family, min(rowid) AS first FROM variants GROUP BY family ORDER BY first"
    ).fetchall()
    return [str(family) for family, _ in rows]
