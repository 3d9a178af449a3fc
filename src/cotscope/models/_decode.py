"""The decode loop: continuous batching over a left-padded, right-aligned KV cache.

Rows enter whenever the batch has room (`take` is polled before every step): they
are prefilled together and merged into the running batch. Each row is delivered
the moment it finishes, and finished rows leave the batch at the next merge or
when they make up a quarter of it. A row's tokens depend only on its own prompt,
settings and generator (see `_engine` for the floating-point caveat).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ._kv_cache import cache_of_rows, can_merge, growing_cache, merge_rows, row_states
from ._prompt_cache import Prefilled, PromptCache, prefilled
from ._sampling import choose_tokens, make_generator
from ._types import Completion, GenerationRequest

if TYPE_CHECKING:
    import torch

    from ._engine import LocalEngine

Take = Callable[[int], list[tuple[Any, GenerationRequest]]]
"""Returns up to n new (key, request) pairs without blocking (an empty list if none)."""

Deliver = Callable[[Any, Completion], None]
"""Receives a finished row's key and completion."""

ADMIT_GROUP_DIVISOR = 4
"""A running batch admits newcomers once a 1/4 of its rows are free (1 disables)."""

RESERVE_TOKENS = 256
"""Most KV positions allocated beyond the current width (rows' remaining token budgets
decide below that); buffers double when they run out."""


@dataclass(eq=False)
class _Row:
    key: Any
    req: GenerationRequest
    seed: int
    gen: torch.Generator
    ids: list[int] = field(default_factory=list)
    done: bool = False
    finish: Literal["stop", "max_tokens"] = "max_tokens"


@dataclass(eq=False)
class _Batch:
    rows: list[_Row]
    cache: Any
    mask: torch.Tensor
    """(rows, width): 1 where a position holds a real token; real tokens are right-aligned."""
    next_pos: torch.Tensor
    """(rows, 1): position id of each row's next token."""
    logits: torch.Tensor
    """(rows, vocab): logits for each row's next token."""


def serve(engine: LocalEngine, take: Take, deliver: Deliver, max_rows: int) -> None:
    """Decode until no row is running and `take` has nothing more.

    Args:
        engine: The loaded engine.
        take: Source of new requests, polled before every step.
        deliver: Called once per request, as soon as it finishes.
        max_rows: Most rows decoding at once.
    """
    import torch

    batch: _Batch | None = None
    with torch.inference_mode():
        while True:
            live = 0 if batch is None else sum(not r.done for r in batch.rows)
            # Each admission re-lays the whole cache out; with a steady stream, taking
            # newcomers one or two at a time costs as much as the decoding itself.
            # A running batch takes them in groups of a quarter of its rows.
            room = max_rows - live
            wanted = 1 if live == 0 else max(1, max_rows // ADMIT_GROUP_DIVISOR)
            may_admit = batch is None or (can_merge(batch.cache) and room >= wanted)
            new = _rows(take(room), deliver) if may_admit and room > 0 else []
            if new:
                batch = _admit(engine, batch, new)
            elif batch is not None and len(batch.rows) - live >= max(1, len(batch.rows) // 4):
                batch = _drop_finished(batch)
            if batch is None:
                return
            if _step(engine, batch, deliver):
                batch = None


def _rows(taken: list[tuple[Any, GenerationRequest]], deliver: Deliver) -> list[_Row]:
    rows = []
    for key, req in taken:
        if not req.prompt_ids:
            raise ValueError("cannot generate from an empty prompt")
        seed = req.seed if req.seed is not None else secrets.randbits(63)
        row = _Row(key=key, req=req, seed=seed, gen=make_generator(seed))
        if req.max_new_tokens <= 0:
            deliver(key, _completion_of(row, "", "max_tokens"))
        else:
            rows.append(row)
    return rows


def _admit(engine: LocalEngine, batch: _Batch | None, rows: list[_Row]) -> _Batch:
    """Prefill `rows` and merge them into `batch` (dropping its finished rows)."""
    budget = _reserve(rows)
    if engine.prompt_cache is None:
        fresh = _prefill(engine, rows, [r.req.prompt_ids for r in rows], budget)
    else:
        fresh = _prefill_shared(engine, rows, engine.prompt_cache, budget)
    keep = [] if batch is None else [j for j, r in enumerate(batch.rows) if not r.done]
    if batch is None or not keep:
        return fresh
    return _merge(batch, keep, fresh)


def _reserve(rows: list[_Row]) -> int:
    """Spare KV positions for the longest remaining completion among `rows`.

    Re-laying the cache costs in proportion to its whole size, spare positions
    included, so no more are allocated than some row can still use.
    """
    return min(max(r.req.max_new_tokens - len(r.ids) for r in rows), RESERVE_TOKENS)


def _prefill(
    engine: LocalEngine, rows: list[_Row], prompts: list[list[int]], reserve: int
) -> _Batch:
    """Run the model over `prompts` (one per row), left-padded to a common width."""
    import torch

    width = max(len(p) for p in prompts)
    input_ids = torch.full((len(prompts), width), engine.pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, ids in enumerate(prompts):
        input_ids[i, width - len(ids) :] = torch.tensor(ids)
        mask[i, width - len(ids) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp_(min=0)
    cache = growing_cache(engine.model, reserve=width + reserve)
    out = engine.model(
        input_ids=input_ids,
        attention_mask=mask,
        position_ids=positions,
        cache=cache,
        use_cache=True,
        logits_to_keep=1,
    )
    return _Batch(rows, cache, mask, positions[:, -1:] + 1, out.logits[:, -1, :].float())


def _prefill_shared(
    engine: LocalEngine, rows: list[_Row], held: PromptCache, reserve: int
) -> _Batch:
    """Prefill each distinct prompt not already held once, and copy its states per row."""
    import torch

    prompts = [tuple(r.req.prompt_ids) for r in rows]
    entries: dict[tuple[int, ...], Prefilled] = {}
    missing = []
    for p in dict.fromkeys(prompts):
        entry = held.get(p)
        if entry is None:
            missing.append(p)
        else:
            entries[p] = entry
    if missing:
        done = _prefill(engine, [], [list(p) for p in missing], 0)
        for i, p in enumerate(missing):
            entry = prefilled(row_states(done.cache, i, len(p)), done.logits[i : i + 1])
            entries[p] = entry
            held.put(p, entry)
    chosen = [entries[p] for p in prompts]
    width = max(len(p) for p in prompts)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        mask[i, width - len(p) :] = 1
    return _Batch(
        rows,
        cache_of_rows(engine.model, [e.states for e in chosen], width, reserve),
        mask,
        torch.tensor([[len(p)] for p in prompts], dtype=torch.long),
        torch.cat([e.logits for e in chosen]),
    )


def _drop_finished(batch: _Batch) -> _Batch | None:
    import torch

    keep = [j for j, r in enumerate(batch.rows) if not r.done]
    if not keep:
        return None
    if can_merge(batch.cache):
        return _merge(batch, keep, None)
    index = torch.tensor(keep, dtype=torch.long)
    batch.cache.batch_select_indices(index)
    return _Batch(
        [batch.rows[j] for j in keep],
        batch.cache,
        batch.mask[index],
        batch.next_pos[index],
        batch.logits[index],
    )


def _merge(batch: _Batch, keep: list[int], fresh: _Batch | None) -> _Batch:
    """Keep rows `keep` of `batch`, append `fresh`, and trim or pad to a common width."""
    import torch

    index = torch.tensor(keep, dtype=torch.long)
    kept_mask = batch.mask.index_select(0, index)
    width = int(kept_mask.sum(-1).max())
    if fresh is not None:
        width = max(width, fresh.mask.shape[-1])
    rows = [batch.rows[j] for j in keep] + ([] if fresh is None else fresh.rows)
    merge_rows(batch.cache, keep, None if fresh is None else fresh.cache, width, _reserve(rows))
    parts = [(kept_mask, batch.next_pos[index], batch.logits[index])]
    if fresh is not None:
        parts.append((fresh.mask, fresh.next_pos, fresh.logits))
    return _Batch(
        rows=rows,
        cache=batch.cache,
        mask=torch.cat([_right_align(m, width) for m, _, _ in parts]),
        next_pos=torch.cat([p for _, p, _ in parts]),
        logits=torch.cat([lg for _, _, lg in parts]),
    )


def _right_align(mask: torch.Tensor, width: int) -> torch.Tensor:
    import torch

    have = mask.shape[-1]
    if have >= width:
        return mask[:, have - width :]
    return torch.cat([mask.new_zeros((mask.shape[0], width - have)), mask], dim=-1)


def _step(engine: LocalEngine, batch: _Batch, deliver: Deliver) -> bool:
    """Choose every row's next token, deliver finished rows, run the model once.

    Returns:
        True when every row in the batch has finished.
    """
    import torch

    rows = batch.rows
    tokens = choose_tokens(
        batch.logits,
        [0.0 if r.done else r.req.temperature for r in rows],
        [r.req.top_p for r in rows],
        [None if r.done else r.gen for r in rows],
    )
    for row, token in zip(rows, tokens.tolist(), strict=True):
        if row.done:
            continue
        row.ids.append(token)
        if token in engine.eos_ids or _hit_stop(engine, row):
            row.done, row.finish = True, "stop"
        elif len(row.ids) >= row.req.max_new_tokens:
            row.done = True
        if row.done:
            deliver(row.key, _completion(engine, row))
    if all(r.done for r in rows):
        return True
    batch.mask = torch.cat([batch.mask, batch.mask.new_ones((len(rows), 1))], dim=-1)
    out = engine.model(
        input_ids=tokens.unsqueeze(-1),
        attention_mask=batch.mask,
        position_ids=batch.next_pos,
        cache=batch.cache,
        use_cache=True,
    )
    batch.logits = out.logits[:, -1, :].float()
    batch.next_pos = batch.next_pos + 1
    return False


def _hit_stop(engine: LocalEngine, row: _Row) -> bool:
    if not row.req.stop:
        return False
    window = max(len(s) for s in row.req.stop) + 8  # tokens: each is at least a character
    tail = engine.tokenizer.decode(row.ids[-window:], skip_special_tokens=True)
    return any(s in tail for s in row.req.stop)


def _completion(engine: LocalEngine, row: _Row) -> Completion:
    ids = row.ids
    text_ids = ids[:-1] if ids and ids[-1] in engine.eos_ids else ids
    text: str = engine.tokenizer.decode(text_ids, skip_special_tokens=True)
    cuts = [at for at in (text.find(s) for s in row.req.stop) if at != -1]
    if cuts:
        return _completion_of(row, text[: min(cuts)], "stop")
    return _completion_of(row, text, row.finish)


def _completion_of(row: _Row, text: str, finish: Literal["stop", "max_tokens"]) -> Completion:
    return Completion(
        text=text,
        token_ids=row.ids,
        prompt_tokens=len(row.req.prompt_ids),
        completion_tokens=len(row.ids),
        finish_reason=finish,
        seed=row.seed,
    )
