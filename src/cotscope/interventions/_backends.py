"""Backends that can continue a reply from an exact, edited reasoning prefix.

An intervention needs raw control of the prompt: cotscope renders the chat
template itself, appends the reasoning marker and the edited prefix, and asks
for a plain text continuation. Two backends can do that:

* `local`: cotscope's in-process engine (`local/<model>` samples).
* `completions`: an OpenAI-compatible *completions* endpoint (vLLM, SGLang,
  llama.cpp server) given by `--base-url`; the chat template comes from the
  model's tokenizer (`--tokenizer`, a local folder or hub name in the cache).
  A batch is sent as concurrent requests, one per prompt, so the server's
  continuous batching decodes them together. Not one request with a list of
  prompts: the API takes one `seed` per request, and the arms of a resample
  must share a seed while resamples must not.

Hosted chat APIs (OpenAI, Anthropic, Google, ...) take messages, not text, and
reject or re-render edited reasoning; `backend_for` refuses them before anything
is generated, so a run never spends tokens on arms it cannot build.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# Inspect providers that serve an open-weight model: they can prefill, but only
# through the server's completions endpoint, so they need --base-url.
_SERVER_PROVIDERS = ("vllm", "sglang", "llama-cpp-python", "hf", "ollama", "openai-api")


class PrefillUnsupportedError(RuntimeError):
    """The sample's model cannot continue from an edited prefix with the given options."""


@dataclass(frozen=True)
class Continuation:
    """One continuation of one prompt."""

    text: str
    """Generated text."""
    token_ids: list[int] | None
    """Generated token ids, when the backend reports them."""
    prompt_tokens: int | None
    """Prompt length in tokens, when known."""
    seed: int
    """Seed the continuation was sampled with."""


class Backend(Protocol):
    """What the intervention runner needs from a model."""

    name: str
    """`local` or `completions`."""
    model: str
    """Identity of the model served (fingerprint, or endpoint and model name)."""

    def render(self, messages: Sequence[Mapping[str, str]]) -> str:
        """Render chat messages with the model's template, ready for the reply."""
        ...

    def continue_from(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        temperature: float,
        seeds: Sequence[int],
    ) -> list[Continuation]:
        """Continue each raw prompt text exactly where it ends."""
        ...


class LocalBackend:
    """The in-process engine."""

    name = "local"

    def __init__(self, engine: Any) -> None:
        """Wrap a loaded `LocalEngine`.

        Args:
            engine: The engine.
        """
        self.engine = engine
        self.model = f"local:{engine.resolved.fingerprint[:16]}"

    def render(self, messages: Sequence[Mapping[str, str]]) -> str:
        """Render with the engine's chat template."""
        return str(self.engine.render_chat([dict(m) for m in messages]))

    def continue_from(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        temperature: float,
        seeds: Sequence[int],
    ) -> list[Continuation]:
        """Generate one continuation per prompt in one batch."""
        done = self.engine.generate(
            list(prompts), max_new_tokens=max_new_tokens, temperature=temperature, seeds=seeds
        )
        return [Continuation(c.text, c.token_ids, c.prompt_tokens, c.seed) for c in done]


class CompletionsBackend:
    """An OpenAI-compatible `/completions` endpoint; the chat template is rendered here."""

    name = "completions"

    def __init__(
        self,
        base_url: str,
        model: str,
        tokenizer: str,
        api_key: str | None = None,
        concurrency: int = 16,
    ) -> None:
        """Load the tokenizer (for its chat template) and remember the endpoint.

        Args:
            base_url: Endpoint root, e.g. `http://localhost:8000/v1`.
            model: Model name the server expects.
            tokenizer: Tokenizer folder or cached hub name holding the chat template.
            api_key: Bearer token, if the server wants one.
            concurrency: Requests in flight at once.
        """
        from transformers import AutoTokenizer

        self.base_url = base_url.rstrip("/")
        self.served_model = model
        self.api_key = api_key
        self.concurrency = max(1, concurrency)
        self.tokenizer: Any = AutoTokenizer.from_pretrained(tokenizer)
        if not getattr(self.tokenizer, "chat_template", None):
            raise PrefillUnsupportedError(f"tokenizer {tokenizer!r} has no chat template")
        self.model = f"completions:{self.base_url}#{model}"

    def render(self, messages: Sequence[Mapping[str, str]]) -> str:
        """Render with the tokenizer's chat template and the generation prompt."""
        return str(
            self.tokenizer.apply_chat_template(
                [dict(m) for m in messages], tokenize=False, add_generation_prompt=True
            )
        )

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            f"{self.base_url}/completions", json.dumps(body).encode(), headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            result: dict[str, Any] = json.loads(response.read())
        return result

    def continue_from(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        temperature: float,
        seeds: Sequence[int],
    ) -> list[Continuation]:
        """One request per prompt, up to `concurrency` in flight (raw text, no server template)."""
        from concurrent.futures import ThreadPoolExecutor

        def one(prompt: str, seed: int) -> Continuation:
            result = self._post(
                {
                    "model": self.served_model,
                    "prompt": prompt,
                    "max_tokens": max_new_tokens,
                    "temperature": temperature,
                    "seed": seed,
                    "n": 1,
                }
            )
            usage = result.get("usage") or {}
            text = str(result["choices"][0]["text"])
            return Continuation(text, None, usage.get("prompt_tokens"), seed)

        if len(prompts) != len(seeds):
            raise ValueError(f"got {len(seeds)} seeds for {len(prompts)} prompts")
        workers = min(self.concurrency, len(prompts)) or 1
        with ThreadPoolExecutor(workers, thread_name_prefix="cotscope-completions") as pool:
            return list(pool.map(one, prompts, seeds))


def backend_for(
    model: str,
    model_args: Mapping[str, Any],
    *,
    base_url: str | None = None,
    tokenizer: str | None = None,
    served_model: str | None = None,
    concurrency: int = 16,
) -> Backend:
    """The backend that can continue this sample's model from a prefix, or a refusal.

    Args:
        model: The sample's Inspect model string (`local/smollm2`, `vllm/...`).
        model_args: The sample's model args (adapter, gguf_file for local models).
        base_url: OpenAI-compatible completions endpoint, when the model is served.
        tokenizer: Tokenizer with the chat template (completions backend).
        served_model: Model name on the server (defaults to the part after the provider).
        concurrency: Requests in flight at once (completions backend).

    Returns:
        A backend.

    Raises:
        PrefillUnsupportedError: The model cannot continue from an edited prefix.
    """
    provider, _, name = model.partition("/")
    if base_url is not None:
        if tokenizer is None:
            raise PrefillUnsupportedError(
                "--base-url needs --tokenizer: cotscope renders the chat template itself"
            )
        return CompletionsBackend(
            base_url,
            served_model or name or model,
            tokenizer,
            os.environ.get("COTSCOPE_API_KEY"),
            concurrency,
        )
    if provider == "local":
        from cotscope.models import get_engine, resolve_local_model

        resolved = resolve_local_model(
            name, adapter=model_args.get("adapter"), gguf_file=model_args.get("gguf_file")
        )
        return LocalBackend(get_engine(resolved, dtype=model_args.get("dtype", "float32")))
    if provider in _SERVER_PROVIDERS:
        raise PrefillUnsupportedError(
            f"{model}: serve it with an OpenAI-compatible completions endpoint and pass "
            "--base-url and --tokenizer; nothing was generated"
        )
    raise PrefillUnsupportedError(
        f"{model} is served by a chat API that cannot continue from an edited reasoning "
        "prefix (it takes messages and rejects or re-renders edited reasoning), so an "
        "intervention cannot be run on it; nothing was generated. Use an open-weight "
        "model on the local engine or behind a completions endpoint (--base-url)."
    )
