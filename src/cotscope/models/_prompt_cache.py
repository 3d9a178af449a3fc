"""Prefilled prompts kept for rows that repeat them.

A sweep asks the same prompt many times: every epoch of a variant is the same
prompt with another seed. Prefilling it once and copying its keys and values into
each row saves the prefill of every repeat (about a third of a row's cost on the
reward-hint prompts with a 32-token budget). Entries are kept least recently used
first out, within a byte budget, per engine (so per model and adapter).

A copied prefill is the prefill of that prompt computed in another batch; as with
any change of batch shape (see `_engine`), logits may differ from a fresh prefill by
~1e-6, which never changes a token in practice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

DEFAULT_BUDGET_BYTES = 256 << 20
"""Memory the cache may hold: ~80 prompts of 65 tokens on SmolLM2-135M (3 MB each)."""


@dataclass(frozen=True)
class Prefilled:
    """One prompt's states after prefill."""

    states: list[tuple[Any, Any]]
    """Per layer, (keys, values) of shape (1, heads, prompt length, dim)."""

    logits: torch.Tensor
    """(1, vocab) logits for the first generated token."""

    nbytes: int
    """Memory held by the tensors above."""


def prefilled(states: list[tuple[Any, Any]], logits: torch.Tensor) -> Prefilled:
    """Bundle a prompt's states and logits, counting their bytes.

    Args:
        states: Per layer (keys, values), as from `_kv_cache.row_states`.
        logits: (1, vocab) next-token logits.

    Returns:
        The entry.
    """
    size = logits.nelement() * logits.element_size()
    for keys, values in states:
        size += keys.nelement() * keys.element_size() + values.nelement() * values.element_size()
    return Prefilled(states, logits, size)


class PromptCache:
    """Least-recently-used prefilled prompts, keyed by their token ids.

    Shared by the decode loops of an engine process (`_engine_process`), hence the
    lock. Two loops that miss the same prompt at once both prefill it; the later `put`
    replaces the other.
    """

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        """Create an empty cache.

        Args:
            budget_bytes: Most bytes held at once; 0 disables the cache.
        """
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[tuple[int, ...], Prefilled] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Bytes held now."""
        return self._bytes

    def get(self, prompt: tuple[int, ...]) -> Prefilled | None:
        """The prompt's entry (marked as just used), or None.

        Args:
            prompt: Prompt token ids.

        Returns:
            The entry, if held.
        """
        with self._lock:
            entry = self._entries.get(prompt)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(prompt)
            return entry

    def put(self, prompt: tuple[int, ...], entry: Prefilled) -> None:
        """Hold an entry, evicting the least recently used ones to stay in budget.

        An entry larger than the whole budget is not held.

        Args:
            prompt: Prompt token ids.
            entry: Its states and logits.
        """
        if entry.nbytes > self.budget_bytes:
            return
        with self._lock:
            old = self._entries.pop(prompt, None)
            if old is not None:
                self._bytes -= old.nbytes
            while self._entries and self._bytes + entry.nbytes > self.budget_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.nbytes
            self._entries[prompt] = entry
            self._bytes += entry.nbytes
