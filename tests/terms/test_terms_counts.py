"""Streaming counts: equal to a naive count, suites kept apart, prompt echoes recorded."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from _terms_data import row, thought_branches

from cotscope.store import Store
from cotscope.terms import count_reasoning, tokenize
from cotscope.terms._counts import read_rows


def test_streaming_counts_equal_naive_counts(tmp_path: Path) -> None:
    records = thought_branches()[:12]
    rows = []
    for i, rec in enumerate(records):
        suite = "alignment" if i % 2 else "capability"
        rows.append(
            row(rec["reasoning_text"], model_id=f"m{i % 3}", step=i % 3, epoch=i, suite=suite)
        )
        rows[-1].prompt = rec["question"]
    with Store(tmp_path) as store:
        store.insert_samples(rows)
        groups = count_reasoning(read_rows(store, batch=3), terms=[("the", "a")])
        pooled = count_reasoning(read_rows(store, batch=5), pool_suites=True)
    assert {k[0] for k in groups} == {"alignment", "capability"}
    for (suite, run_id, model_id), group in groups.items():
        assert run_id == group.run_id == ""  # one unnamed training run
        mine = [r for r in rows if r.suite == suite and r.model_id == model_id]
        tokens = [tokenize(r.reasoning or "") for r in mine]
        assert group.counts == Counter(t for ts in tokens for t in ts)
        assert group.docs == Counter(t for ts in tokens for t in set(ts))
        assert group.n_words == sum(map(len, tokens))
        assert group.term_docs[("the", "a")] == sum(1 for ts in tokens if {"the", "a"} & set(ts))
        echoes = Counter(
            t for r, ts in zip(mine, tokens, strict=True) for t in set(ts) & set(tokenize(r.prompt))
        )
        assert group.echo_docs == echoes
    assert {k[0] for k in pooled} == {"all"}
    assert sum(g.n_words for g in pooled.values()) == sum(g.n_words for g in groups.values())
