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
    if not sampled:
        return tokens
    index = torch.tensor(sampled, dtype=torch.long)
    temps = torch.tensor([temperatures[i] for i in sampled], dtype=torch.float64)
    uniform = torch.tensor(
        [float(torch.rand((), generator=generators[i], dtype=torch.float64)) for i in sampled],
        dtype=torch.float64,
    )
    scaled = logits.index_select(0, index).double() / temps.unsqueeze(-1)
    top_p = torch.tensor([top_ps[i] for i in sampled], dtype=torch.float64)
    picked = torch.empty(len(sampled), dtype=torch.long)
    full = top_p >= 1
    if bool(full.any()):
        picked[full] = _sample_full(scaled[full], uniform[full])
    nucleus = ~full
    if bool(nucleus.any()):
        picked[nucleus] = sample_nucleus(scaled[nucleus], uniform[nucleus], top_p[nucleus])
    tokens[index] = picked
    return tokens


NUCLEUS_CANDIDATES = 1024
"""Most likely tokens sorted first; the whole vocabulary only when their mass is short."""


def _sample_full(scaled: torch.Tensor, uniform: torch.Tensor) -> torch.Tensor:
    """Invert each row's full softmax, in vocabulary order."""
    import torch

    return _invert(torch.softmax(scaled, dim=-1), uniform)


def sample_nucleus(
    scaled: torch.Tensor, uniform: torch.Tensor, top_p: torch.Tensor
) -> torch.Tensor:
    """Invert each row's nucleus distribution (tokens by descending probability, ties by id).

    Sorting 49k float64 logits per row costs more than the model's decode step at
    batch 90; the nucleus almost always lies among the few most likely tokens. So only
    the top `NUCLEUS_CANDIDATES` are sorted, and a row goes through the full sort only
    when the candidates before the last tied group do not reach its `top_p` (then the
    nucleus might not lie inside them). Both give the same token.

    Args:
        scaled: (rows, vocab) float64 logits divided by temperature.
        uniform: (rows,) uniform draws in [0, 1).
        top_p: (rows,) nucleus masses in (0, 1).

    Returns:
        (rows,) token ids.
    """
    import torch

    k = min(NUCLEUS_CANDIDATES, scaled.shape[-1])
    log_norm = torch.logsumexp(scaled, dim=-1, keepdim=True)
    candidates = scaled.topk(k, dim=-1).indices.sort(dim=-1).values  # vocabulary order
    values, order = scaled.gather(-1, candidates).sort(dim=-1, descending=True, stable=True)
    ids = candidates.gather(-1, order)
    probs = torch.exp(values - log_norm)
    mass_before = probs.cumsum(dim=-1) - probs
    # Candidates tied with the last one may stand in for lower ids left outside the
    # top k: the nucleus must end before the first of them.
    first_tied = (values == values[:, -1:]).to(torch.int8).argmax(dim=-1, keepdim=True)
    inside = mass_before.gather(-1, first_tied).squeeze(-1) >= top_p + 1e-9
    picked = torch.empty(scaled.shape[0], dtype=torch.long)
    if bool(inside.any()):
        kept = probs[inside].masked_fill(mass_before[inside] >= top_p[inside].unsqueeze(-1), 0.0)
        at = _invert(kept, uniform[inside]).unsqueeze(-1)
        picked[inside] = ids[inside].gather(-1, at).squeeze(-1)
    outside = ~inside
    if bool(outside.any()):
        picked[outside] = _nucleus_full_sort(scaled[outside], uniform[outside], top_p[outside])
    return picked


def _invert(probs: torch.Tensor, uniform: torch.Tensor) -> torch.Tensor:
    """Position of each row's draw in its (unnormalised) cumulative distribution."""
    import torch

    cdf = probs.cumsum(dim=-1)
    picked = torch.searchsorted(cdf, uniform.unsqueeze(-1) * cdf[:, -1:], right=True)
    return picked.clamp_(max=cdf.shape[-1] - 1).squeeze(-1)


def _nucleus_full_sort(
    scaled: torch.Tensor, uniform: torch.Tensor, top_p: torch.Tensor
) -> torch.Tensor:
    """The nucleus by a stable sort of the whole vocabulary (the reference method)."""
    import torch

    values, order = scaled.sort(dim=-1, descending=True, stable=True)
    probs = torch.softmax(values, dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs
    probs = probs.masked_fill(mass_before >= top_p.unsqueeze(-1), 0.0)
    return order.gather(-1, _invert(probs, uniform).unsqueeze(-1)).squeeze(-1)
