"""Next-token choice for a batch whose rows each have their own seed and settings.

Each sampled row draws exactly one uniform number per step from its own
`torch.Generator` and picks its token by inverting its own cumulative distribution.
A row's choice therefore depends only on its own logits, settings and seed — never
on which other rows share the batch or how many of them sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def make_generator(seed: int) -> torch.Generator:
    """A CPU generator seeded for one row.

    Args:
        seed: Any integer; it is reduced to 63 bits.

    Returns:
        The seeded generator.
    """
    import torch

    return torch.Generator().manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)


def choose_tokens(
    logits: torch.Tensor,
    temperatures: Sequence[float],
    top_ps: Sequence[float],
    generators: Sequence[torch.Generator | None],
) -> torch.Tensor:
    """Pick one token per row.

    Rows with temperature 0 (or without a generator) take the argmax. Rows with
    top_p >= 1 sample from the full softmax in vocabulary order; rows with top_p < 1
    sample from the smallest set of most likely tokens whose mass reaches top_p.

    Args:
        logits: Float tensor (batch, vocab) of the last position's logits.
        temperatures: Per-row temperature.
        top_ps: Per-row nucleus mass in (0, 1].
        generators: Per-row generator.

    Returns:
        Long tensor (batch,) of token ids.
    """
    import torch

    tokens = logits.argmax(dim=-1)
    sampled = [i for i, t in enumerate(temperatures) if t > 0 and generators[i] is not None]
    full = [i for i in sampled if top_ps[i] >= 1]
    nucleus = [i for i in sampled if top_ps[i] < 1]
    for rows, is_nucleus in ((full, False), (nucleus, True)):
        if not rows:
            continue
        index = torch.tensor(rows, dtype=torch.long)
        temps = torch.tensor([temperatures[i] for i in rows], dtype=torch.float64)
        uniform = torch.tensor(
            [float(torch.rand((), generator=generators[i], dtype=torch.float64)) for i in rows],
            dtype=torch.float64,
        ).unsqueeze(-1)
        scaled = logits.index_select(0, index).double() / temps.unsqueeze(-1)
        if is_nucleus:
            scaled, order = scaled.sort(dim=-1, descending=True, stable=True)
        probs = torch.softmax(scaled, dim=-1)
        if is_nucleus:
            mass_before = probs.cumsum(dim=-1) - probs
            top_p = torch.tensor([top_ps[i] for i in rows], dtype=torch.float64)
            probs = probs.masked_fill(mass_before >= top_p.unsqueeze(-1), 0.0)
        cdf = probs.cumsum(dim=-1)
        picked = torch.searchsorted(cdf, uniform * cdf[:, -1:], right=True)
        picked = picked.clamp_(max=cdf.shape[-1] - 1)
        if is_nucleus:
            picked = order.gather(-1, picked)
        tokens[index] = picked.squeeze(-1)
    return tokens
