"""A KV cache that writes each new token in place, and can take rows in and out.

transformers' DynamicCache grows every layer with `torch.cat`, copying the whole
cache on every decode step: at a few hundred tokens that copy costs a quarter of
the step on CPU. Here full-attention layers keep a buffer with spare room, write
new keys and values into it, and hand attention views of the filled part. Rows are
right-aligned (left padding), so finished rows can be dropped and freshly
prefilled rows merged in by re-aligning everyone to a common width: that is what
continuous batching needs. Sliding window layers (Gemma 3) keep transformers' own
implementation, and a cache holding any of them cannot merge.
"""

from __future__ import annotations

from functools import cache
from typing import Any


def growing_cache(model: Any, reserve: int) -> Any:
    """A DynamicCache for `model` whose full-attention layers grow in place.

    Args:
        model: A transformers causal LM.
        reserve: Token positions to allocate up front (prompt width plus expected
            completion); a buffer doubles when it runs out.

    Returns:
        The cache, to pass as the model's `cache`.
    """
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    dynamic_layer: Any = DynamicLayer
    layer = _growing_layer_class()
    kv = DynamicCache(config=model.config)
    if not kv.layers:  # the config lists no layer types: all are full attention
        kv.layers = [dynamic_layer() for _ in range(model.config.num_hidden_layers)]
        kv.layer_class_to_replicate = None
    kv.layers = [layer(reserve) if type(x) is DynamicLayer else x for x in kv.layers]
    return kv


def can_merge(kv: Any) -> bool:
    """Whether `merge_rows` works on this cache (all layers grow in place).

    Args:
        kv: A cache from `growing_cache`.

    Returns:
        True when every layer is a growing full-attention layer.
    """
    layer = _growing_layer_class()
    return all(isinstance(x, layer) for x in kv.layers)


def merge_rows(kv: Any, keep: list[int], other: Any | None, width: int, reserve: int) -> None:
    """Keep some rows of `kv`, append all rows of `other`, right-aligned to `width`.

    Positions left of a row's data are zero-filled (and masked by the caller).

    Args:
        kv: The cache to change in place (`can_merge(kv)` must hold).
        keep: The rows of `kv` to keep, in increasing order.
        other: A freshly prefilled cache whose rows are appended, or None.
        width: Positions per row after the merge; every kept row's data and every
            appended row's prompt must fit.
        reserve: Spare positions to allocate for the tokens to come.
    """
    for i, layer in enumerate(kv.layers):
        layer.merge(keep, None if other is None else other.layers[i], width, reserve)


def row_states(kv: Any, row: int, length: int) -> list[tuple[Any, Any]]:
    """One row's keys and values over its last `length` positions, copied out per layer.

    Args:
        kv: A cache from `growing_cache` (`can_merge(kv)` must hold).
        row: The row.
        length: Positions to take (the row's real tokens; they are right-aligned).

    Returns:
        Per layer, (keys, values) each of shape (1, heads, length, dim).
    """
    out = []
    for layer in kv.layers:
        end = layer.length
        out.append(
            (
                layer.keys[row : row + 1, :, end - length : end].clone(),
                layer.values[row : row + 1, :, end - length : end].clone(),
            )
        )
    return out


def cache_of_rows(model: Any, rows: list[list[tuple[Any, Any]]], width: int, reserve: int) -> Any:
    """A growing cache holding the given rows' states, right-aligned to `width`.

    Args:
        model: The causal LM the states came from.
        rows: Per row, per layer (keys, values) as returned by `row_states`.
        width: Positions per row (at least the longest row).
        reserve: Spare positions to allocate for the tokens to come.

    Returns:
        The cache, ready for decoding with a matching right-aligned mask.
    """
    kv = growing_cache(model, reserve=width + reserve)
    for i, layer in enumerate(kv.layers):
        layer.load([row[i] for row in rows], width, reserve)
    return kv


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Increasing row numbers as half-open runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][1] == r:
            runs[-1] = (runs[-1][0], r + 1)
        else:
            runs.append((r, r + 1))
    return runs


@cache
def _growing_layer_class() -> type[Any]:
    import torch
    from transformers.cache_utils import DynamicLayer

    class GrowingLayer(DynamicLayer):  # type: ignore[no-untyped-call]
        def __init__(self, reserve: int) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self.reserve = reserve
            self.length = 0
            self.buffers: tuple[torch.Tensor, torch.Tensor] | None = None

        def update(self, key_states: Any, value_states: Any, *args: Any, **kwargs: Any) -> Any:
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
            end = self.length + key_states.shape[-2]
            if self.buffers is None or end > self.buffers[0].shape[-2]:
                self._grow(key_states, end)
            assert self.buffers is not None
            keys, values = self.buffers
            keys[..., self.length : end, :] = key_states
            values[..., self.length : end, :] = value_states
            self.length = end
            self.keys, self.values = keys[..., :end, :], values[..., :end, :]
            return self.keys, self.values

        def _grow(self, like: torch.Tensor, needed: int) -> None:
            old = self.buffers
            size = max(needed, self.reserve, 2 * old[0].shape[-2] if old else 0)
            shape = (*like.shape[:-2], size, like.shape[-1])
            new = (torch.empty(shape, dtype=like.dtype), torch.empty(shape, dtype=like.dtype))
            if old is not None:
                for dst, src in zip(new, old, strict=True):
                    dst[..., : self.length, :] = src[..., : self.length, :]
            self.buffers = new

        def merge(self, keep: list[int], other: Any, width: int, reserve: int) -> None:
            assert self.keys is not None and self.values is not None
            # Runs of consecutive kept rows are views: each row is copied once, into
            # the new buffers (an index_select would copy them twice).
            sources = [(self.keys[a:b], self.values[a:b]) for a, b in _runs(keep)]
            if other is not None:
                sources.append((other.keys, other.values))
            self.load(sources, width, reserve)

        def load(
            self, sources: list[tuple[torch.Tensor, torch.Tensor]], width: int, reserve: int
        ) -> None:
            """Stack `sources` (each (rows, heads, length, dim)) right-aligned to `width`."""
            rows = sum(k.shape[0] for k, _ in sources)
            like = sources[0][0]
            if not self.is_initialized:
                self.lazy_initialization(like, like)
            shape = (rows, like.shape[1], width + reserve, like.shape[-1])
            # Only the left padding is zeroed (masked, but it must hold finite numbers);
            # the reserve is written before attention reads it.
            keys = torch.empty(shape, dtype=like.dtype)
            values = torch.empty(shape, dtype=like.dtype)
            start = 0
            for src_keys, src_values in sources:
                n, used = src_keys.shape[0], min(src_keys.shape[-2], width)
                dest = slice(start, start + n)
                first = src_keys.shape[-2] - used
                for buffer, src in ((keys, src_keys), (values, src_values)):
                    buffer[dest, :, : width - used].zero_()
                    buffer[dest, :, width - used : width] = src[..., first:, :]
                start += n
            self.buffers, self.length = (keys, values), width
            self.keys, self.values = keys[..., :width, :], values[..., :width, :]

        def batch_select_indices(self, indices: torch.Tensor) -> None:
            if self.buffers is not None:
                keys, values = (b.index_select(0, indices) for b in self.buffers)
                self.buffers = (keys, values)
                self.keys, self.values = keys[..., : self.length, :], values[..., : self.length, :]

    return GrowingLayer
