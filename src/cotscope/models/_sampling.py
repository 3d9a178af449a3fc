"""Next-token choice for a batch whose rows each have their own seed and settings.

Each sampled row draws exactly one uniform number per step from its own
`torch.Generator` and picks its token by inverting its own cumulative distribution.
A row's choice therefore depends only on its own logits, settings and seed — never
on which other rows share the batch or how many of them sample.
"""

from __future__ import annotations

import threading
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
        logits: Float32 tensor (batch, vocab) of the last position's logits.
        temperatures: Per-row temperature.
        top_ps: Per-row nucleus mass in (0, 1].
        generators: Per-row generator.

    Returns:
        Long tensor (batch,) of token ids.
    """
    import torch

    sampled = [i for i, t in enumerate(temperatures) if t > 0 and generators[i] is not None]
    greedy = sorted(set(range(len(temperatures))) - set(sampled))
    if not sampled:
        return logits.argmax(dim=-1)
    tokens = torch.zeros(len(temperatures), dtype=torch.long)
    if greedy:
        at = torch.tensor(greedy, dtype=torch.long)
        tokens[at] = logits.index_select(0, at).argmax(dim=-1)
    index = torch.tensor(sampled, dtype=torch.long)
    rows = logits if not greedy else logits.index_select(0, index)
    temps = torch.tensor([[temperatures[i]] for i in sampled], dtype=torch.float64)
    uniform = torch.tensor(
        [float(torch.rand((), generator=generators[i], dtype=torch.float64)) for i in sampled],
        dtype=torch.float64,
    )
    top_p = torch.tensor([top_ps[i] for i in sampled], dtype=torch.float64)
    picked = torch.empty(len(sampled), dtype=torch.long)
    full = top_p >= 1
    for part, method in ((full, _sample_full), (~full, sample_nucleus)):
        if bool(part.all()):
            picked = method(rows, temps, uniform, top_p)
        elif bool(part.any()):
            picked[part] = method(rows[part], temps[part], uniform[part], top_p[part])
    tokens[index] = picked
    return tokens


NUCLEUS_CANDIDATES = 64
"""Most likely tokens sorted first; the whole vocabulary only when their mass is short."""


def _sample_full(
    logits: torch.Tensor, temps: torch.Tensor, uniform: torch.Tensor, top_p: torch.Tensor
) -> torch.Tensor:
    """Invert each row's full softmax, in vocabulary order (`top_p` is unused: all >= 1)."""
    weights = _scratch_scaled(logits, temps)
    weights.sub_(weights.amax(dim=-1, keepdim=True)).exp_()
    return _invert(weights, uniform)


def sample_nucleus(
    logits: torch.Tensor, temps: torch.Tensor, uniform: torch.Tensor, top_p: torch.Tensor
) -> torch.Tensor:
    """Invert each row's nucleus distribution (tokens by descending probability, ties by id).

    Sorting the whole vocabulary per row costs more than the model's decode step, and
    the nucleus almost always lies among the few most likely tokens (at most 27 of
    49k on the demo's SmolLM2 rows at T=0.7, top_p=0.9). So only the top
    `NUCLEUS_CANDIDATES` are sorted, and a row goes through the full sort only when
    the candidates before the last tied group do not reach its `top_p` (then the
    nucleus might not lie inside them). Both give the same token. Candidates are
    found on the float32 logits: dividing by a positive temperature in float64 keeps
    their order and their ties.

    Args:
        logits: (rows, vocab) float32 logits.
        temps: (rows, 1) float64 temperatures, all > 0.
        uniform: (rows,) uniform draws in [0, 1).
        top_p: (rows,) nucleus masses in (0, 1).

    Returns:
        (rows,) token ids.
    """
    import torch

    k = min(NUCLEUS_CANDIDATES, logits.shape[-1])
    candidates = logits.topk(k, dim=-1, sorted=False).indices.sort(dim=-1).values  # id order
    scaled = logits.gather(-1, candidates).double() / temps
    values, order = scaled.sort(dim=-1, descending=True, stable=True)
    ids = candidates.gather(-1, order)
    probs = torch.exp(values - _log_normalizer(logits, temps))
    mass_before = probs.cumsum(dim=-1) - probs
    # Candidates tied with the last one may stand in for lower ids left outside the
    # top k: the nucleus must end before the first of them.
    first_tied = (values == values[:, -1:]).to(torch.int8).argmax(dim=-1, keepdim=True)
    inside = mass_before.gather(-1, first_tied).squeeze(-1) >= top_p + 1e-9
    picked = torch.empty(logits.shape[0], dtype=torch.long)
    if bool(inside.any()):
        kept = probs[inside].masked_fill(mass_before[inside] >= top_p[inside].unsqueeze(-1), 0.0)
        at = _invert(kept, uniform[inside]).unsqueeze(-1)
        picked[inside] = ids[inside].gather(-1, at).squeeze(-1)
    outside = ~inside
    if bool(outside.any()):
        picked[outside] = _nucleus_full_sort(
            logits[outside].double() / temps[outside], uniform[outside], top_p[outside]
        )
    return picked


def _log_normalizer(logits: torch.Tensor, temps: torch.Tensor) -> torch.Tensor:
    """(rows, 1) float64 log of each row's softmax denominator at its temperature."""
    scaled = _scratch_scaled(logits, temps)
    top = scaled.amax(dim=-1, keepdim=True)
    return top + scaled.sub_(top).exp_().sum(dim=-1, keepdim=True).log_()


_scratch = threading.local()


def _scratch_scaled(logits: torch.Tensor, temps: torch.Tensor) -> torch.Tensor:
    """`logits / temps` in float64, written into this thread's reused buffer.

    A fresh (128, 49k) float64 tensor per step costs more in page faults than the
    arithmetic on it; the buffer is overwritten by the next call in the same thread.
    """
    import torch

    need = logits.numel()
    buffer: torch.Tensor | None = getattr(_scratch, "buffer", None)
    if buffer is None or buffer.numel() < need:
        buffer = torch.empty(need, dtype=torch.float64)
        _scratch.buffer = buffer
    return buffer[:need].view(logits.shape).copy_(logits).div_(temps)


def _invert(weights: torch.Tensor, uniform: torch.Tensor) -> torch.Tensor:
    """Position of each row's draw in its (unnormalised) cumulative distribution."""
    import torch

    cdf = weights.cumsum_(dim=-1)
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
