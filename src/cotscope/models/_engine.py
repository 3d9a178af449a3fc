"""The in-process engine: one model and tokenizer, a batched decode loop, raw text in and out.

The engine works on raw prompt text (or token ids), not chat messages, so that a
caller can render a chat once, cut it anywhere and continue from that exact prefix.

What is reproducible: every row owns a `torch.Generator` seeded from its own seed
and draws one number from it per token, so a row's output under a seed does not
depend on the other rows' prompts, seeds or settings. The remaining coupling is
floating-point: batch shape and left padding change the order of float operations
inside matmuls and attention, which moves logits by ~1e-6. That never matters for a
token unless two candidates are that close (greedy) or the row's uniform draw falls
that close to a boundary of its cumulative distribution (sampling), so outputs are
identical in practice but only bit-exact when the batch shape is the same.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from ._dequantize import dequantized_checkpoint
from ._kv_cache import growing_cache
from ._resolve import ResolvedModel
from ._sampling import choose_tokens, make_generator

Dtype = Literal["float32", "bfloat16", "float16"]
"""Weight and activation dtypes the engine can run in."""

# KV room allocated up front for completions; longer ones grow the cache by doubling.
_RESERVE_TOKENS = 256

# Turn-ending tokens of common chat templates, honoured when they are in the vocabulary.
_END_OF_TURN = ("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>", "<|endoftext|>")


class Completion(BaseModel):
    """One generated continuation of one prompt."""

    text: str
    """Generated text: special tokens skipped, cut before the first stop string."""

    token_ids: list[int]
    """Every generated token id, including a final end-of-turn token."""

    prompt_tokens: int
    """Number of prompt tokens."""

    completion_tokens: int
    """Number of generated tokens (`len(token_ids)`)."""

    finish_reason: Literal["stop", "max_tokens"]
    """`stop`: end-of-turn token or stop string; `max_tokens`: the token budget ran out."""

    seed: int
    """Seed of this row's generator (drawn at random when none was given)."""


@dataclass(frozen=True)
class GenerationRequest:
    """One row of a batch, with its own settings."""

    prompt_ids: list[int]
    """Tokenized prompt."""

    max_new_tokens: int
    """Token budget for the completion."""

    temperature: float = 1.0
    """Sampling temperature; 0 means greedy."""

    top_p: float = 1.0
    """Nucleus mass; 1 means the full distribution."""

    seed: int | None = None
    """Seed of the row's generator; None draws one at random."""

    stop: tuple[str, ...] = ()
    """Strings that end the completion (excluded from its text)."""


class LocalEngine:
    """A causal LM and its tokenizer, loaded once, generating batches on CPU.

    Not safe for concurrent use from several threads: `generate` takes a lock, so
    batches run one at a time.
    """

    def __init__(self, resolved: ResolvedModel, *, dtype: Dtype = "float32") -> None:
        """Load the model (from the dequantized cache for a GGUF) and its tokenizer.

        Args:
            resolved: The model to load, with its optional LoRA adapter.
            dtype: Dtype of weights and activations.
        """
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(os.cpu_count() or 1)
        self.resolved = resolved
        self.dtype: Dtype = dtype
        checkpoint = dequantized_checkpoint(resolved)
        with _no_progress_bars():
            self.tokenizer: Any = AutoTokenizer.from_pretrained(str(checkpoint))
            model: Any = AutoModelForCausalLM.from_pretrained(
                str(checkpoint), dtype=getattr(torch, dtype), attn_implementation="sdpa"
            )
            if resolved.adapter is not None:
                from peft import PeftModel

                # Merging folds the low-rank update into the weights: same function,
                # no extra matmuls per layer at decode time.
                model = PeftModel.from_pretrained(model, str(resolved.adapter)).merge_and_unload()
        model.eval()
        self.model: Any = model
        self.eos_ids = self._end_token_ids()
        self.pad_id: int = next(
            i for i in (self.tokenizer.pad_token_id, *sorted(self.eos_ids), 0) if i is not None
        )
        self._lock = threading.Lock()

    def _end_token_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        for source in (self.tokenizer.eos_token_id, self.model.generation_config.eos_token_id):
            if isinstance(source, int):
                ids.add(source)
            elif isinstance(source, list):
                ids.update(i for i in source if isinstance(i, int))
        vocab = self.tokenizer.get_vocab()
        ids.update(vocab[t] for t in _END_OF_TURN if t in vocab)
        return frozenset(ids)

    def serving_stack(self) -> dict[str, str | int | None]:
        """What is serving requests, for reports and logs.

        Returns:
            Versions, dtype, thread count, model path, fingerprint and adapter.
        """
        import torch
        import transformers

        stack: dict[str, str | int | None] = {
            "engine": "cotscope.local",
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "dtype": self.dtype,
            "threads": torch.get_num_threads(),
            "model_path": str(self.resolved.path),
            "fingerprint": self.resolved.fingerprint,
            "adapter": str(self.resolved.adapter) if self.resolved.adapter else None,
        }
        if self.resolved.adapter is not None:
            import peft

            stack["peft"] = peft.__version__
        return stack

    def render_chat(self, messages: Sequence[dict[str, str]]) -> str:
        """Render messages with the tokenizer's chat template, ready for the reply.

        A final assistant message is continued rather than closed, so a caller can
        prefill the start of the reply.

        Args:
            messages: `{"role": ..., "content": ...}` dicts.

        Returns:
            Prompt text ending where the model's reply starts.
        """
        msgs = list(messages)
        if not getattr(self.tokenizer, "chat_template", None):
            return "\n\n".join(m["content"] for m in msgs) + "\n\n"
        prefill = bool(msgs) and msgs[-1]["role"] == "assistant"
        text = self.tokenizer.apply_chat_template(
            msgs,
            tokenize=False,
            add_generation_prompt=not prefill,
            continue_final_message=prefill,
        )
        return str(text)

    def tokenize(self, text: str) -> list[int]:
        """Token ids of `text` as-is (no BOS added: chat templates include their own).

        Args:
            text: Any text.

        Returns:
            Token ids.
        """
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def generate(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seeds: Sequence[int | None] | None = None,
        stop: Sequence[str] | None = None,
    ) -> list[Completion]:
        """Generate one completion per prompt, all in one batch.

        Args:
            prompts: Raw prompt texts (e.g. from `render_chat`).
            max_new_tokens: Token budget per completion.
            temperature: Sampling temperature; 0 means greedy.
            top_p: Nucleus mass.
            seeds: One seed per prompt (None entries draw a random seed).
            stop: Stop strings.

        Returns:
            Completions in prompt order.
        """
        seeds = list(seeds) if seeds is not None else [None] * len(prompts)
        if len(seeds) != len(prompts):
            raise ValueError(f"got {len(seeds)} seeds for {len(prompts)} prompts")
        requests = [
            GenerationRequest(
                prompt_ids=self.tokenize(p),
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                seed=s,
                stop=tuple(stop or ()),
            )
            for p, s in zip(prompts, seeds, strict=True)
        ]
        return self.generate_requests(requests)

    def generate_requests(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Generate a batch whose rows each carry their own settings.

        Args:
            requests: The rows.

        Returns:
            Completions in request order.

        Raises:
            ValueError: A request has an empty prompt.
        """
        if not requests:
            return []
        if any(not r.prompt_ids for r in requests):
            raise ValueError("cannot generate from an empty prompt")
        with self._lock:
            return _decode(self, list(requests))


def _decode(engine: LocalEngine, reqs: list[GenerationRequest]) -> list[Completion]:
    """Left-padded batched decoding with a KV cache; finished rows leave the batch."""
    import torch

    seeds = [r.seed if r.seed is not None else secrets.randbits(63) for r in reqs]
    gens = [make_generator(s) for s in seeds]
    generated: list[list[int]] = [[] for _ in reqs]
    finish: list[Literal["stop", "max_tokens"]] = ["max_tokens"] * len(reqs)
    stop_window = [max((len(s) for s in r.stop), default=0) + 8 for r in reqs]

    width = max(len(r.prompt_ids) for r in reqs)
    input_ids = torch.full((len(reqs), width), engine.pad_id, dtype=torch.long)
    mask = torch.zeros((len(reqs), width), dtype=torch.long)
    for i, r in enumerate(reqs):
        input_ids[i, width - len(r.prompt_ids) :] = torch.tensor(r.prompt_ids)
        mask[i, width - len(r.prompt_ids) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp_(min=0)

    rows = list(range(len(reqs)))  # request index of each batch row
    active = [r.max_new_tokens > 0 for r in reqs]
    budget = max(r.max_new_tokens for r in reqs)
    cache = growing_cache(engine.model, reserve=width + min(budget, _RESERVE_TOKENS))
    with torch.inference_mode():
        out = engine.model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        next_pos = positions[:, -1:] + 1
        while any(active[i] for i in rows):
            logits = out.logits[:, -1, :].float()
            tokens = choose_tokens(
                logits,
                [reqs[i].temperature if active[i] else 0.0 for i in rows],
                [reqs[i].top_p for i in rows],
                [gens[i] if active[i] else None for i in rows],
            )
            for i, token in zip(rows, tokens.tolist(), strict=True):
                if not active[i]:
                    continue
                generated[i].append(token)
                if token in engine.eos_ids or _hit_stop(
                    engine, generated[i], reqs[i].stop, stop_window[i]
                ):
                    finish[i], active[i] = "stop", False
                elif len(generated[i]) >= reqs[i].max_new_tokens:
                    active[i] = False
            keep = [j for j, i in enumerate(rows) if active[i]]
            if not keep:
                break
            if len(rows) - len(keep) >= max(1, len(rows) // 4):
                # Dropping finished rows costs one copy of the KV cache and saves their
                # share of every later step.
                index = torch.tensor(keep, dtype=torch.long)
                cache.batch_select_indices(index)
                mask, next_pos, tokens = mask[index], next_pos[index], tokens[index]
                rows = [rows[j] for j in keep]
            mask = torch.cat([mask, mask.new_ones((len(rows), 1))], dim=-1)
            out = engine.model(
                input_ids=tokens.unsqueeze(-1),
                attention_mask=mask,
                position_ids=next_pos,
                past_key_values=cache,
                use_cache=True,
            )
            next_pos = next_pos + 1

    return [
        _completion(engine, r, ids, reason, seed)
        for r, ids, reason, seed in zip(reqs, generated, finish, seeds, strict=True)
    ]


def _hit_stop(engine: LocalEngine, ids: list[int], stop: tuple[str, ...], window: int) -> bool:
    if not stop:
        return False
    tail = engine.tokenizer.decode(ids[-window:], skip_special_tokens=True)
    return any(s in tail for s in stop)


def _completion(
    engine: LocalEngine,
    req: GenerationRequest,
    ids: list[int],
    reason: Literal["stop", "max_tokens"],
    seed: int,
) -> Completion:
    text_ids = ids[:-1] if ids and ids[-1] in engine.eos_ids else ids
    text: str = engine.tokenizer.decode(text_ids, skip_special_tokens=True)
    cuts = [at for at in (text.find(s) for s in req.stop) if at != -1]
    if cuts:
        text, reason = text[: min(cuts)], "stop"
    return Completion(
        text=text,
        token_ids=ids,
        prompt_tokens=len(req.prompt_ids),
        completion_tokens=len(ids),
        finish_reason=reason,
        seed=seed,
    )


@contextmanager
def _no_progress_bars() -> Iterator[None]:
    """Keep a ~1 s load from drawing progress bars over Inspect's display."""
    from transformers.utils import logging

    hf_logging: Any = logging
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


_engines: dict[tuple[str, str], LocalEngine] = {}
_engines_lock = threading.Lock()


def get_engine(resolved: ResolvedModel, *, dtype: Dtype = "float32") -> LocalEngine:
    """The process-wide engine for a model, loaded on first use.

    Keyed by fingerprint and dtype, so every Inspect eval in one process reuses the
    same loaded weights.

    Args:
        resolved: The model.
        dtype: Dtype to run in.

    Returns:
        The shared engine.
    """
    key = (resolved.fingerprint, dtype)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = LocalEngine(resolved, dtype=dtype)
            _engines[key] = engine
        return engine
