from __future__ import annotations

import pytest
import torch

from cotscope.models._sampling import choose_tokens, make_generator


def _logits(rows: int, vocab: int = 50, seed: int = 0) -> torch.Tensor:
    return torch.randn(rows, vocab, generator=torch.Generator().manual_seed(seed))


def test_greedy_is_argmax_and_uses_no_randomness() -> None:
    logits = _logits(3)
    gen = make_generator(1)
    state = gen.get_state()
    tokens = choose_tokens(logits, [0.0, 0.0, 0.0], [1.0] * 3, [gen, None, gen])
    assert tokens.tolist() == logits.argmax(-1).tolist()
    assert torch.equal(gen.get_state(), state)


def _sample_row(row: torch.Tensor, seed: int, top_p: float, steps: int = 20) -> list[int]:
    gen = make_generator(seed)
    return [int(choose_tokens(row[None], [1.0], [top_p], [gen])[0]) for _ in range(steps)]


def test_same_seed_same_tokens() -> None:
    row = _logits(1)[0]
    assert _sample_row(row, 7, 1.0) == _sample_row(row, 7, 1.0)
    assert _sample_row(row, 7, 1.0) != _sample_row(row, 8, 1.0)


def test_row_is_independent_of_its_batch_mates() -> None:
    logits = _logits(4)
    seeds = [11, 12, 13, 14]
    alone = _sample_row(logits[2], seeds[2], 0.9)
    gens = [make_generator(s) for s in seeds]
    in_batch = []
    for _ in range(20):
        # Neighbours mix greedy, full and nucleus sampling.
        tokens = choose_tokens(logits, [1.0, 0.0, 1.0, 0.7], [1.0, 1.0, 0.9, 0.5], gens)
        in_batch.append(int(tokens[2]))
    assert in_batch == alone


def test_top_p_keeps_only_the_nucleus() -> None:
    logits = torch.tensor([[5.0, 4.0, 0.0, -1.0, -2.0]])
    probs = torch.softmax(logits, -1)[0]
    assert probs[0] < 0.8 < probs[0] + probs[1]
    gen = make_generator(3)
    picked = {int(choose_tokens(logits, [1.0], [0.8], [gen])[0]) for _ in range(300)}
    assert picked == {0, 1}


def test_low_temperature_approaches_greedy() -> None:
    logits = _logits(1)
    gen = make_generator(5)
    picked = {int(choose_tokens(logits, [1e-3], [1.0], [gen])[0]) for _ in range(50)}
    assert picked == {int(logits.argmax())}


def test_large_seeds_are_accepted() -> None:
    assert _sample_row(_logits(1)[0], 2**70 + 5, 1.0, steps=3)


def test_nucleus_candidates_give_the_full_sort_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from cotscope.models import _sampling

    monkeypatch.setattr(_sampling, "NUCLEUS_CANDIDATES", 8)  # small vocabularies reach the edge
    gen = torch.Generator().manual_seed(5)
    rows = [
        torch.randn(200, generator=gen) * 4,  # peaked: nucleus inside the candidates
        torch.randn(200, generator=gen) * 0.1,  # flat: needs the full sort
        torch.tensor([3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -2.0]),  # ties at k
        torch.tensor([9.0, 2.0, 2.0, 0.0, 2.0, 1.0, 2.0, -1.0, 2.0, 0.5]),  # ties inside
    ]
    for row in rows:
        logits = row.float().expand(400, -1).clone()
        uniform = torch.rand(400, generator=gen, dtype=torch.float64)
        for p, t in ((0.3, 1.0), (0.9, 0.7), (0.99, 1.3)):
            top_p = torch.full((400,), p, dtype=torch.float64)
            temps = torch.full((400, 1), t, dtype=torch.float64)
            fast = _sampling.sample_nucleus(logits, temps, uniform, top_p)
            reference = _sampling._nucleus_full_sort(logits.double() / temps, uniform, top_p)
            assert torch.equal(fast, reference), (row[:5], p, t)


def test_full_softmax_sampling_matches_its_distribution() -> None:
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    gen = make_generator(9)
    draws = [int(choose_tokens(logits, [0.5], [1.0], [gen])[0]) for _ in range(4000)]
    expected = torch.softmax(logits[0].double() / 0.5, -1)
    for token, p in enumerate(expected.tolist()):
        share = draws.count(token) / len(draws)
        assert abs(share - p) < 4 * (p * (1 - p) / len(draws)) ** 0.5 + 1e-3, (token, share, p)
