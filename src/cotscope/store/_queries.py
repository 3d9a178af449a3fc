"""Typed reads of the `samples` table: the measures ask these instead of writing SQL.

Four shapes cover what the measures read:

- `count_samples`: sample counts grouped by chosen columns (outcome counts per
  checkpoint, variant, family, ...), aggregated in DuckDB, so a million rows cost
  one GROUP BY;
- `read_samples`: chosen columns of the samples a filter selects, in a chosen order;
- `checkpoints`: each checkpoint of a run with its step range and sample count;
- `suite_prompts` and `paired_outcome_counts`: the two reads the statistics need that
  are not a plain GROUP BY (how often prompts repeat; two models' outcomes on the
  same prompts).

A `SampleFilter` says which samples. Column names are checked against the samples
schema (`SAMPLE_COLUMNS`) before they reach SQL, and every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ._schema import JSON_COLUMNS, SAMPLE_COLUMNS

if TYPE_CHECKING:
    from ._store import Store

SampleColumn = Literal[
    "sample_uid", "run", "model_id", "model", "model_args", "model_order", "step", "label",
    "suite", "variant_id", "variant_family", "variant_hash", "epoch", "seed", "prompt",
    "reasoning", "reasoning_kind", "answer", "parsed_answer", "outcome", "input_tokens",
    "output_tokens", "reasoning_tokens", "latency_s", "error", "messages", "labels", "metadata",
    "source", "source_line", "log_file", "created_at", "attempts", "run_id", "phase",
]  # fmt: skip
"""A column of the `samples` table (`SAMPLE_COLUMNS`), for type checkers."""


def column_sql(name: str, alias: str = "") -> str:
    """A samples column as SQL, after checking that the table has it.

    `run_id` reads as `''` where a store older than run ids holds NULL, so every
    reader sees the one default training run the same way.

    Raises:
        ValueError: `name` is not a column of `samples`.
    """
    if name not in SAMPLE_COLUMNS:
        raise ValueError(f"samples has no column {name!r}; columns: {', '.join(SAMPLE_COLUMNS)}")
    qualified = f'{alias}."{name}"' if alias else f'"{name}"'
    return f"coalesce({qualified}, '')" if name == "run_id" else qualified


def _tuple(values: Sequence[str] | None) -> tuple[str, ...] | None:
    # A bare string is a sequence of characters: almost always a forgotten tuple.
    if isinstance(values, str):
        raise TypeError(f"give a tuple of names, not the string {values!r}")
    return None if values is None else tuple(values)


@dataclass(frozen=True)
class SampleFilter:
    """Which samples a read covers; every field left at its default selects all."""

    run: str | None = None
    """Only this run."""
    suites: Sequence[str] | None = None
    """Only these suites (an empty sequence selects nothing)."""
    model_ids: Sequence[str] | None = None
    """Only these model ids (checkpoints)."""
    outcomes: Sequence[str] | None = None
    """Only these outcome labels, compared case-insensitively."""
    sample_uids: Sequence[str] | None = None
    """Only these samples."""
    exclude_suites: Sequence[str] = ()
    """Not these suites."""
    exclude_outcomes: Sequence[str] = ()
    """Not these outcome labels, compared case-insensitively (as `EXCLUDED_OUTCOMES` are
    everywhere: ingested labels may be capitalised)."""
    with_reasoning: bool = False
    """Only samples whose reasoning holds more than spaces."""
    share: float = 1.0
    """Only the samples whose uid hashes below this share of the hash range: a fixed
    pseudo-random subset, the same on every read and in every run."""

    def __post_init__(self) -> None:
        """Store the sequences as tuples, so a filter is hashable and cannot change."""
        for name in ("suites", "model_ids", "outcomes", "sample_uids"):
            object.__setattr__(self, name, _tuple(getattr(self, name)))
        for name in ("exclude_suites", "exclude_outcomes"):
            object.__setattr__(self, name, _tuple(getattr(self, name)) or ())

    def to_sql(self, alias: str = "") -> tuple[str, list[Any]]:
        """The filter as a SQL condition (`TRUE` for none) and its parameters.

        Args:
            alias: The samples table's alias in the query, if it has one.
        """

        def col(name: str) -> str:
            return column_sql(name, alias)

        terms: list[str] = []
        params: list[Any] = []

        def among(expr: str, values: Sequence[str] | None, negate: bool = False) -> None:
            if values is None or (negate and not values):
                return
            if not values:
                terms.append("FALSE")
                return
            terms.append(
                f"{expr} {'NOT IN' if negate else 'IN'} ({', '.join('?' for _ in values)})"
            )
            params.extend(values)

        if self.run is not None:
            terms.append(f"{col('run')} = ?")
            params.append(self.run)
        among(col("suite"), self.suites)
        among(col("model_id"), self.model_ids)
        among(col("sample_uid"), self.sample_uids)
        among(f"lower({col('outcome')})", _lower(self.outcomes))
        among(col("suite"), self.exclude_suites, negate=True)
        among(f"lower({col('outcome')})", _lower(self.exclude_outcomes), negate=True)
        if self.with_reasoning:
            terms.append(f"length(trim(coalesce({col('reasoning')}, ''))) > 0")
        if self.share < 1.0:
            terms.append(f"hash({col('sample_uid')}) % 1000000 < ?")
            params.append(int(self.share * 1_000_000))
        return " AND ".join(terms) or "TRUE", params


def _lower(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else [v.lower() for v in values]


ALL_SAMPLES = SampleFilter()
"""The filter that selects every sample of every run."""


class SampleCount(NamedTuple):
    """Samples of one group: `key` holds the grouping columns' values, in their order."""

    key: tuple[Any, ...]
    n: int


def count_samples(
    store: Store, where: SampleFilter, by: Sequence[SampleColumn]
) -> list[SampleCount]:
    """Samples per group of `by` columns, in the order of their keys.

    For example `count_samples(store, SampleFilter(run=run), ("model_id", "outcome"))`
    gives each checkpoint's outcome counts. With no columns, one group: the total.

    Args:
        store: An open store.
        where: Which samples.
        by: The grouping columns (`run_id` reads as `''` when NULL).

    Raises:
        ValueError: a column is not one of `samples`.
    """
    exprs = [column_sql(c) for c in by]
    condition, params = where.to_sql()
    sql = f"SELECT {', '.join([*exprs, 'count(*)'])} FROM samples WHERE {condition}"
    if exprs:
        positions = ", ".join(str(i) for i in range(1, len(exprs) + 1))
        sql += f" GROUP BY {positions} ORDER BY {positions}"
    return [
        SampleCount(row[:-1], int(row[-1])) for row in store.con.execute(sql, params).fetchall()
    ]


def read_samples(
    store: Store,
    where: SampleFilter,
    columns: Sequence[SampleColumn],
    order_by: Sequence[SampleColumn] = (),
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The `columns` of the samples `where` selects, one dict per sample.

    JSON columns (`model_args`, `messages`, `labels`, `metadata`) are parsed. Without
    `order_by` the order is DuckDB's (insertion order, in practice); give one when it
    matters.

    Args:
        store: An open store.
        where: Which samples.
        columns: The columns to read.
        order_by: Sort keys, ascending.
        limit: At most this many samples (after sorting).

    Raises:
        ValueError: a column is not one of `samples`.
    """
    names = list(dict.fromkeys(columns))
    condition, params = where.to_sql()
    select = ", ".join(f"{column_sql(c)} AS {c}" for c in names)
    sql = f"SELECT {select} FROM samples WHERE {condition}"
    if order_by:
        sql += " ORDER BY " + ", ".join(column_sql(c) for c in order_by)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = store.con.execute(sql, params).fetchall()
    parsed = [i for i, c in enumerate(names) if c in JSON_COLUMNS]
    out = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        for i in parsed:
            value = row[i]
            if isinstance(value, str):
                record[names[i]] = json.loads(value) if value else None
        out.append(record)
    return out


class Checkpoint(NamedTuple):
    """One checkpoint (model id of a training run) of a run, as its samples record it."""

    run: str
    """The run (sweep or ingest target)."""
    run_id: str
    """The training run the checkpoint belongs to (`''`: the default one)."""
    model_id: str
    """The checkpoint's model id."""
    model: str
    """Its Inspect model string (any of its samples')."""
    step: int | None
    """Its smallest training step; None when its samples have none."""
    last_step: int | None
    """Its largest training step: not `step` only when a model id names a training run
    (a mapping mistake the statistics refuse)."""
    label: str | None
    """Its human label, if any (any of its samples')."""
    model_order: int
    """Its smallest position in the spec's list of models."""
    samples: int
    """Its samples."""
    phase: str = ""
    """Its training phase (any of its samples'; `''` when not recorded)."""


def checkpoints(store: Store, run: str | None = None) -> list[Checkpoint]:
    """Every checkpoint of `run` (of every run when None), by run, training run, order, id."""
    where, params = SampleFilter(run=run).to_sql()
    rows = store.con.execute(
        "SELECT run, coalesce(run_id, '') AS rid, model_id, any_value(model), min(step),"
        " max(step), any_value(label), coalesce(min(model_order), 0) AS o, count(*),"
        " coalesce(any_value(phase), '')"
        f" FROM samples WHERE {where} GROUP BY run, rid, model_id"
        " ORDER BY run, rid, o, model_id",
        params,
    ).fetchall()
    return [Checkpoint._make(row) for row in rows]


class SuitePrompts(NamedTuple):
    """How a suite's prompts (variant texts) were sampled in a run."""

    suite: str
    prompts: int
    """Distinct prompts: (variant id, variant hash) pairs."""
    most_samples: int
    """Samples of the prompt sampled most often (1: every prompt was sampled once)."""


def suite_prompts(store: Store, run: str) -> list[SuitePrompts]:
    """Each suite's prompt count and the most samples one prompt has, in suite order."""
    rows = store.con.execute(
        "SELECT suite, count(*), max(c) FROM (SELECT suite, variant_id, variant_hash,"
        " count(*) AS c FROM samples WHERE run = ? GROUP BY ALL) GROUP BY suite ORDER BY suite",
        [run],
    ).fetchall()
    return [SuitePrompts(str(s), int(p), int(most)) for s, p, most in rows]


class PairedCount(NamedTuple):
    """Prompts on which model A had `outcome_a` and model B `outcome_b`."""

    suite: str
    family: str
    """Variant family (model A's sample's)."""
    outcome_a: str
    outcome_b: str
    n: int


def paired_outcome_counts(
    store: Store, run: str, model_a: str, model_b: str, exclude_outcomes: Sequence[str] = ()
) -> list[PairedCount]:
    """Outcome pairs of two models on shared prompts, counted per suite and family.

    A prompt is shared when both models have a sample of the same suite, variant id,
    variant hash and epoch; samples with an excluded outcome (either side, compared
    case-insensitively) are left out.
    """
    side_a = SampleFilter(run=run, model_ids=(model_a,), exclude_outcomes=exclude_outcomes)
    side_b = SampleFilter(model_ids=(model_b,), exclude_outcomes=exclude_outcomes)
    a, params_a = side_a.to_sql("a")
    b, params_b = side_b.to_sql("b")
    rows = store.con.execute(
        "SELECT a.suite, a.variant_family, a.outcome, b.outcome, count(*)"
        " FROM samples a JOIN samples b"
        " ON a.run = b.run AND a.suite = b.suite AND a.variant_id = b.variant_id"
        " AND a.variant_hash = b.variant_hash AND a.epoch = b.epoch"
        f" WHERE {a} AND {b} GROUP BY ALL ORDER BY ALL",
        [*params_a, *params_b],
    ).fetchall()
    return [PairedCount(str(s), str(f), str(oa), str(ob), int(n)) for s, f, oa, ob, n in rows]
