"""Streaming word counts per checkpoint (model) and suite.

One pass over the store's reasoning texts; memory grows with the vocabulary of
each checkpoint, never with the number of samples. For each (suite, training run,
model_id) it
keeps how often each word occurs, in how many CoTs, in how many CoTs whose prompt
also holds it (an echo of the prompt, not the model's own vocabulary), and the
totals needed for rates and intervals. Samples without reasoning are counted,
never silently dropped.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..store import SampleColumn, SampleFilter, Store
from ._tokenize import tokenize

if TYPE_CHECKING:
    from ._context import ContextCollector

COLUMNS: tuple[SampleColumn, ...] = (
    "sample_uid",
    "suite",
    "run_id",
    "model_id",
    "step",
    "model_order",
    "prompt",
    "reasoning",
)
"""Store columns the terms analysis reads."""

POOLED_SUITE = "all"
"""Suite name used when suites are pooled."""


@dataclass
class CheckpointCounts:
    """Word counts of one model (checkpoint) on one suite."""

    suite: str
    """Suite name (or `POOLED_SUITE`)."""
    model_id: str
    """The spec's model id."""
    step: int | None
    """Training step, or None for a list of models."""
    model_order: int
    """Position in the spec's model list."""
    run_id: str = ""
    """The training run (series) the checkpoint belongs to; `""` for one unnamed run."""
    n_samples: int = 0
    """Samples read, with or without reasoning."""
    n_cots: int = 0
    """Samples with non-blank reasoning: the denominator of shares."""
    n_cots_with_words: int = 0
    """CoTs with at least one word token (those that carry a rate)."""
    n_words: int = 0
    """Word tokens in all CoTs: the denominator of rates."""
    counts: Counter[str] = field(default_factory=Counter)
    """Occurrences of each token."""
    docs: Counter[str] = field(default_factory=Counter)
    """CoTs in which each token occurs at least once."""
    term_docs: Counter[tuple[str, ...]] = field(default_factory=Counter)
    """CoTs using any form of each multi-form term given to `count_reasoning`."""
    echo_docs: Counter[str] = field(default_factory=Counter)
    """CoTs using a token that their own prompt also contains (an echo of the prompt)."""
    term_echo_docs: Counter[tuple[str, ...]] = field(default_factory=Counter)
    """The same for multi-form terms (any form in both)."""

    @property
    def label(self) -> str:
        """`step N` for checkpoints, else the model id."""
        return f"step {self.step}" if self.step is not None else self.model_id

    def count_of(self, forms: Sequence[str]) -> int:
        """Occurrences of a term counted over its forms."""
        return sum(self.counts.get(f, 0) for f in forms)

    def docs_of(self, forms: tuple[str, ...]) -> int:
        """CoTs using a term (any of its forms).

        Raises:
            KeyError: A multi-form term that was not given to `count_reasoning`.
        """
        if len(forms) == 1:
            return self.docs.get(forms[0], 0)
        if forms not in self.term_docs and any(self.docs.get(f) for f in forms):
            raise KeyError(f"CoTs using {forms} were not counted")
        return self.term_docs.get(forms, 0)

    def echoes_of(self, forms: tuple[str, ...]) -> int:
        """CoTs using a term that their prompt also contains."""
        if len(forms) == 1:
            return self.echo_docs.get(forms[0], 0)
        return self.term_echo_docs.get(forms, 0)


@dataclass
class CotShapes:
    """Word count and text length of every CoT counted, in stream order (8 bytes a CoT).

    The second pass reads the word count of a CoT from here instead of tokenising it;
    the length confirms that both passes see the CoTs in the same order.
    """

    words: array[int] = field(default_factory=lambda: array("I"))
    """Word tokens of each CoT."""
    lengths: array[int] = field(default_factory=lambda: array("I"))
    """Characters of each CoT's text."""


def read_rows(store: Store, batch: int = 2_000, share: float = 1.0) -> Iterator[dict[str, Any]]:
    """Stream the columns the analysis needs, in insertion order, in bounded batches.

    With `share` < 1, only the samples whose uid hashes below that share of the hash
    range: a sample that is the same on every read (both passes) and every run.
    """
    return store.iter_samples(COLUMNS, SampleFilter(share=share), batch=batch)


@lru_cache(maxsize=4096)
def prompt_tokens(prompt: str | None) -> frozenset[str]:
    """Tokens of a prompt (cached: prompts repeat across epochs and checkpoints)."""
    return frozenset(tokenize(prompt)) if prompt else frozenset()


Key = tuple[str, str, str]
"""What a checkpoint's counts are keyed by: (suite, training run, model id)."""


def group_key(row: Mapping[str, Any], pool_suites: bool) -> Key:
    """The (suite, training run, model_id) a row is counted under."""
    return (POOLED_SUITE if pool_suites else row["suite"], row.get("run_id") or "", row["model_id"])


def count_reasoning(
    rows: Iterable[Mapping[str, Any]],
    suites: Sequence[str] | None = None,
    pool_suites: bool = False,
    terms: Iterable[tuple[str, ...]] = (),
    collector: ContextCollector | None = None,
    shapes: CotShapes | None = None,
) -> dict[Key, CheckpointCounts]:
    """Count words per (suite, training run, model_id) in one pass.

    Args:
        rows: Sample rows with at least the `COLUMNS` keys.
        suites: Only these suites (all when None or empty).
        pool_suites: Count all suites together under `POOLED_SUITE`.
        terms: Multi-form terms whose CoT counts (any form) are needed exactly.
        collector: Also feed every CoT to this collector (KWIC and dispersion of terms
            known in advance), sparing a second pass for them.
        shapes: Record each CoT's word count and length here, for the second pass.

    Returns:
        Counts keyed by (suite, training run, model_id), in first-seen order.
    """
    wanted = set(suites) if suites else None
    multi = [t for t in dict.fromkeys(terms) if len(t) > 1]
    groups: dict[Key, CheckpointCounts] = {}
    for row in rows:
        suite = row["suite"]
        if wanted is not None and suite not in wanted:
            continue
        key = group_key(row, pool_suites)
        group = groups.get(key)
        if group is None:
            group = groups[key] = CheckpointCounts(
                key[0], key[2], row["step"], int(row["model_order"] or 0), key[1]
            )
        group.n_samples += 1
        text = row["reasoning"]
        if not text or text.isspace():
            continue
        group.n_cots += 1
        tokens = tokenize(text)
        if shapes is not None:
            shapes.words.append(len(tokens))
            shapes.lengths.append(len(text))
        if tokens:
            group.n_cots_with_words += 1
            group.n_words += len(tokens)
            group.counts.update(tokens)
            present = set(tokens)
            group.docs.update(present)
            echoed = present.intersection(prompt_tokens(row["prompt"]))
            group.echo_docs.update(echoed)
            for forms in multi:
                if not present.isdisjoint(forms):
                    group.term_docs[forms] += 1
                    if not echoed.isdisjoint(forms):
                        group.term_echo_docs[forms] += 1
            if collector is not None:
                collector.feed(row, key, text, tokens, present)
    return groups


def by_series(
    groups: Mapping[Key, CheckpointCounts],
) -> dict[tuple[str, str], list[CheckpointCounts]]:
    """Group checkpoints by (suite, training run), each list in x order.

    The order is the step when every checkpoint has one, else the spec's model order.
    Each training run (an arm, a phase's run) is its own series.
    """
    out: dict[tuple[str, str], list[CheckpointCounts]] = {}
    for (suite, run_id, _), group in groups.items():
        out.setdefault((suite, run_id), []).append(group)
    for series, checkpoints in out.items():
        if all(c.step is not None for c in checkpoints):
            checkpoints.sort(key=lambda c: (c.step, c.model_order, c.model_id))
        else:
            checkpoints.sort(key=lambda c: (c.model_order, c.model_id))
        out[series] = checkpoints
    # Suites in name order; a suite's training runs in the order they start.
    first = {k: (c[0].step or 0, c[0].model_order) for k, c in out.items()}
    return dict(sorted(out.items(), key=lambda kv: (kv[0][0], first[kv[0]], kv[0][1])))


def x_axis(checkpoints: Sequence[CheckpointCounts]) -> str:
    """`step` when every checkpoint has a training step, else `model_order`."""
    return "step" if all(c.step is not None for c in checkpoints) else "model_order"


def pool(checkpoints: Sequence[CheckpointCounts], suite: str, model_id: str) -> CheckpointCounts:
    """Sum several checkpoints into one corpus (e.g. a whole suite, or all before a rise)."""
    run_ids = {c.run_id for c in checkpoints}
    out = CheckpointCounts(suite, model_id, None, -1, run_ids.pop() if len(run_ids) == 1 else "")
    for c in checkpoints:
        out.n_samples += c.n_samples
        out.n_cots += c.n_cots
        out.n_cots_with_words += c.n_cots_with_words
        out.n_words += c.n_words
        out.counts.update(c.counts)
        out.docs.update(c.docs)
        out.term_docs.update(c.term_docs)
        out.echo_docs.update(c.echo_docs)
        out.term_echo_docs.update(c.term_echo_docs)
    return out
