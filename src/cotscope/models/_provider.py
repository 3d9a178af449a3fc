"""The Inspect model provider `local/<name-or-path>`, backed by the in-process engine.

    inspect eval cotscope/reward_hints --model local/smollm2
    inspect eval ... --model local/./runs/ckpt -M adapter=./lora/checkpoint-200

Two checkpoints never share Inspect cache entries: Inspect's cache key includes the
provider's `base_url` but not its model args, so `base_url` is set to
`local://<fingerprint>`, where the fingerprint hashes the weights and the adapter.
"""

from __future__ import annotations

import time
import weakref
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    Content,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelAPI,
    ModelCall,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo
from pydantic import BaseModel, ConfigDict, Field

from ._batching import BatchScheduler
from ._decode import Deliver, Take
from ._engine import LocalEngine, get_engine
from ._engine_process import EngineProcess, engine_process
from ._reasoning import DEFAULT_THINK_END, DEFAULT_THINK_START, split_reasoning
from ._resolve import ResolvedModel, resolve_local_model
from ._tool_protocol import chat_dicts, parse_tool_calls
from ._types import Dtype, GenerationRequest

DEFAULT_MAX_NEW_TOKENS = 1024
"""Token budget when neither the task nor the user sets max_tokens."""

_NO_CONFIG = GenerateConfig()


class LocalModelArgs(BaseModel):
    """Model args of `local/...` (`-M name=value` on the Inspect command line)."""

    model_config = ConfigDict(extra="forbid")

    adapter: str | None = None
    """Folder of a PEFT LoRA adapter to apply on top of the model."""

    max_batch_size: int = Field(default=16, ge=1)
    """Most concurrent requests generated together in one batch."""

    dtype: Dtype = "float32"
    """Dtype of weights and activations."""

    engine_process: bool = False
    """Decode in a child process, one single-thread decode loop per core (up to two):
    Inspect's event loop then slows decoding by its share of the cores only. Faster for
    sweeps; costs a second copy of the weights and ~5 s to start the child."""

    gguf_file: str | None = None
    """GGUF file name, when the model path is a folder holding several."""

    think_start: str = DEFAULT_THINK_START
    """Marker opening the model's reasoning in its output."""

    think_end: str = DEFAULT_THINK_END
    """Marker closing the model's reasoning in its output."""

    extra_think: list[tuple[str, str]] = Field(default_factory=list)
    """Further (opening, closing) marker pairs the model also writes its reasoning in,
    e.g. `[["<_think>", "</_think>"]]` for a small model that copies the underscore
    style of a prompt's tags. Split like the main pair; tried after it."""


def cache_base_url(resolved: ResolvedModel, args: LocalModelArgs) -> str:
    """The `base_url` that keys Inspect's cache for this model and these args.

    Args:
        resolved: The model.
        args: Its model args; those that change outputs (dtype, reasoning markers)
            are added as a query string when they differ from the defaults.

    Returns:
        `local://<fingerprint>` plus an optional query string.
    """
    defaults = LocalModelArgs()
    extra = {
        k: getattr(args, k)
        for k in ("dtype", "think_start", "think_end", "extra_think")
        if getattr(args, k) != getattr(defaults, k)
    }
    return f"local://{resolved.fingerprint}" + (f"?{urlencode(extra)}" if extra else "")


def assistant_message(text: str, args: LocalModelArgs, model_name: str) -> ChatMessageAssistant:
    """The assistant message for a completion without tools (see `assistant_reply`)."""
    return assistant_reply(text, args, model_name)[0]


def assistant_reply(
    text: str, args: LocalModelArgs, model_name: str, tools: bool = False
) -> tuple[ChatMessageAssistant, list[str]]:
    """The assistant message for a completion, its reasoning split out.

    Args:
        text: Generated text.
        args: Model args (for the reasoning markers).
        model_name: Model name recorded on the message.
        tools: Whether tools were offered; if so, `<tool_call>` blocks in the
            visible text become the message's tool calls (see `_tool_protocol`).

    Returns:
        The message (content: reasoning blocks then the visible text, or just the
        visible text when there is no reasoning) and the tool-call parse errors.
    """
    split = split_reasoning(text, args.think_start, args.think_end, args.extra_think)
    visible, calls, errors = split.visible, None, []
    if tools:
        parsed = parse_tool_calls(visible)
        visible, calls, errors = parsed.text, parsed.calls or None, parsed.errors
    content: list[Content] = [ContentReasoning(reasoning=r) for r in split.reasoning]
    content.append(ContentText(text=visible))
    message = ChatMessageAssistant(
        content=content if split.reasoning else visible,
        model=model_name,
        source="generate",
        tool_calls=calls,
    )
    return message, errors


class LocalModelAPI(ModelAPI):
    """Inspect ModelAPI running a local model in this process."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = _NO_CONFIG,
        **model_args: Any,
    ) -> None:
        """Resolve and fingerprint the model; the weights load on first use.

        Args:
            model_name: Bundled name or path (the part after `local/`).
            base_url: Ignored: it is derived from the model's fingerprint.
            api_key: Ignored.
            config: Default generation config.
            **model_args: See `LocalModelArgs`.
        """
        self.args = LocalModelArgs.model_validate(model_args)
        self.resolved = resolve_local_model(
            model_name, adapter=self.args.adapter, gguf_file=self.args.gguf_file
        )
        super().__init__(
            model_name=model_name,
            base_url=cache_base_url(self.resolved, self.args),
            api_key=None,
            api_key_vars=[],
            config=config,
        )
        # Weak: the engine cache decides how long weights stay loaded; Inspect keeps
        # this object (get_model memoizes) for as long as the process lives.
        self._engine: weakref.ref[LocalEngine] | None = None
        self._child: EngineProcess | None = None
        self.scheduler = BatchScheduler(self._serve, max_batch_size=self.args.max_batch_size)

    def _load(self) -> LocalEngine:
        engine = get_engine(self.resolved, dtype=self.args.dtype)
        self._engine = weakref.ref(engine)
        return engine

    async def engine(self) -> LocalEngine:
        """The loaded engine (loading it on a worker thread when it is not loaded).

        Returns:
            The engine.
        """
        engine = self._engine() if self._engine is not None else None
        if engine is not None:
            return engine
        return await anyio.to_thread.run_sync(self._load)

    async def _engine_process(self) -> EngineProcess:
        """The running child process; one is looked up or started only when none runs.

        Starting takes seconds, so it happens on a worker thread; every later request
        goes straight to the child it has.
        """
        child = self._child
        if child is None or not child.alive:
            child = self._child = await anyio.to_thread.run_sync(
                engine_process, self.resolved, self.args.dtype, self.args.max_batch_size
            )
        return child

    def _serve(self, take: Take, deliver: Deliver, max_rows: int) -> None:
        self._load().serve(take, deliver, max_rows=max_rows)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        """Generate one reply, batched with other concurrent calls.

        Args:
            input: Chat messages.
            tools: Tools offered, taught and parsed as text (`_tool_protocol`).
            tool_choice: `none` hides the tools; a `ToolFunction` asks for that tool.
            config: Generation settings (max_tokens, temperature, top_p, stop_seqs,
                seed are honoured).

        Returns:
            The output with token usage and serving metadata, and the raw call
            (rendered prompt and raw completion) for the log.
        """
        started = time.monotonic()
        engine = await self.engine()
        think = (self.args.think_start, self.args.think_end)
        prompt = engine.render_chat(chat_dicts(input, tools, tool_choice, think))
        request = GenerationRequest(
            prompt_ids=engine.tokenize(prompt),
            max_new_tokens=config.max_tokens or DEFAULT_MAX_NEW_TOKENS,
            temperature=1.0 if config.temperature is None else config.temperature,
            top_p=1.0 if config.top_p is None else config.top_p,
            seed=config.seed,
            stop=tuple(config.stop_seqs or ()),
        )
        if self.args.engine_process:
            completion = await (await self._engine_process()).submit(request)
        else:
            completion = await self.scheduler.submit(request)
        elapsed = time.monotonic() - started

        use_tools = bool(tools) and tool_choice != "none"
        message, tool_errors = assistant_reply(
            completion.text, self.args, self.model_name, use_tools
        )
        stop = "tool_calls" if message.tool_calls else completion.finish_reason
        metadata: dict[str, Any] = {"serving": engine.serving_stack(), "seed": completion.seed}
        if tool_errors:
            metadata["tool_call_errors"] = tool_errors
        output = ModelOutput(
            model=self.model_name,
            choices=[ChatCompletionChoice(message=message, stop_reason=stop)],
            usage=ModelUsage(
                input_tokens=completion.prompt_tokens,
                output_tokens=completion.completion_tokens,
                total_tokens=completion.prompt_tokens + completion.completion_tokens,
            ),
            time=elapsed,
            metadata=metadata,
        )
        call = ModelCall.create(
            request={
                "prompt": prompt,
                "max_new_tokens": request.max_new_tokens,
                "temperature": request.temperature,
                "top_p": request.top_p,
                "seed": completion.seed,
                "stop": list(request.stop),
            },
            response={
                "text": completion.text,
                "finish_reason": completion.finish_reason,
                "prompt_tokens": completion.prompt_tokens,
                "completion_tokens": completion.completion_tokens,
            },
            time=elapsed,
        )
        return output, call

    async def count_text_tokens(self, text: str) -> int:
        """Count tokens with the model's own tokenizer (never tiktoken).

        Args:
            text: Text to count.

        Returns:
            Number of tokens.
        """
        return len((await self.engine()).tokenize(text))

    async def tokenize(self, text: str) -> list[int]:
        """Token ids with the model's own tokenizer.

        Args:
            text: Text to tokenize.

        Returns:
            Token ids.
        """
        return (await self.engine()).tokenize(text)

    def max_tokens(self) -> int | None:
        """Default token budget."""
        return DEFAULT_MAX_NEW_TOKENS

    def max_connections(self) -> int:
        """Enough concurrent requests to keep one batch running and the next one full."""
        return 2 * self.args.max_batch_size

    def connection_key(self) -> str:
        """One connection pool per model and dtype."""
        return f"{self.resolved.fingerprint}:{self.args.dtype}"

    def collapse_user_messages(self) -> bool:
        """Merge consecutive user turns (some chat templates require alternation)."""
        return True

    def close(self) -> None:
        """Stop the batch worker; the engine stays cached for later evals."""
        self.scheduler.close()


@modelapi(name="local")
def local() -> type[ModelAPI]:
    """Register the `local/...` provider with Inspect.

    Returns:
        The provider class.
    """
    return LocalModelAPI
