"""What a `cotscope intervene` command asks for and what it did.

`InterventionOptions` is the command, `InterventionSummary` its result, and
`edit_label` the short human name of the experiment the options define (stored with
every row). `_run` plans and stores with them; `_generate` reads them per batch.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from ._edits import EditKind, InjectAt


class InterventionOptions(BaseModel):
    """One `cotscope intervene` command."""

    edit: EditKind
    """The edit."""
    where: str | None = None
    """Target spec (`regex:`, `lexical:`, `grader:`); required by remove."""
    text: str | None = None
    """Sentence to inject (inject)."""
    at: InjectAt = "start"
    """Injection point (inject)."""
    control: Literal["none", "random-sentence"] = "none"
    """Control arm: a neutral sentence of similar length injected at the same point
    (inject), or put in place of the first removed sentence (remove, on-policy only)."""
    keep_rest: bool = False
    """remove: cut the targets out and keep the rest (off-policy) instead of resampling."""
    sentence_importance: bool = False
    """resample-from: resample from before every sentence (Thought Anchors)."""
    at_sentence: int | None = None
    """truncate / resample-from: the sentence to cut at when no target is given."""
    max_sentences: int = Field(default=40, ge=1)
    """Sentences per transcript at most for sentence importance."""
    resamples: int = Field(default=20, ge=1)
    """Continuations per arm."""
    resilient: bool = False
    """remove: resample while the removed content reappears (bounded by max_tries)."""
    max_tries: int = Field(default=5, ge=1)
    """Tries per continuation with `resilient`."""
    max_new_tokens: int = Field(default=512, ge=1)
    """Token budget per continuation."""
    temperature: float = Field(default=1.0, ge=0)
    """Sampling temperature."""
    action: str | None = None
    """Outcome counted as the action; None: each suite's primary outcome
    (`follows-hint`, `covert-action`, `exploited`, `capability-centred`, `says-eval`)."""
    seed: int = 0
    """Base seed."""
    run: str | None = None
    """Only samples of this run."""
    model_ids: list[str] = Field(default_factory=list)
    """Only these model ids (empty: all)."""
    suites: list[str] = Field(default_factory=list)
    """Only these suites (empty: all)."""
    limit: int | None = None
    """Transcripts at most (in sample-uid order)."""
    batch_size: int = Field(default=16, ge=1)
    """Continuations generated per batch (decoded together, or requests in flight at once)."""
    base_url: str | None = None
    """OpenAI-compatible completions endpoint."""
    tokenizer: str | None = None
    """Tokenizer with the chat template (completions backend)."""
    served_model: str | None = None
    """Model name on the completions server."""

    @model_validator(mode="after")
    def _control_applies(self) -> Self:
        if self.control != "none" and not (
            self.edit == "inject" or (self.edit == "remove" and not self.keep_rest)
        ):
            raise ValueError("--control applies to inject and to remove without --keep-rest")
        return self


class InterventionSummary(BaseModel):
    """What a command did."""

    edit_key: str
    """Key of the experiment's rows."""
    label: str
    """Human label of the experiment."""
    transcripts: int
    """Transcripts edited."""
    skipped: dict[str, int] = Field(default_factory=dict)
    """Transcripts left out, by reason."""
    generated: int = 0
    """Continuations generated now."""
    stored_before: int = 0
    """Continuations already stored (resumed)."""
    backends: list[str] = Field(default_factory=list)
    """Backends used."""


def edit_label(options: InterventionOptions) -> str:
    """A short human label of the experiment."""
    if options.edit == "inject":
        label = f"inject@{options.at} {options.text!r}"
    elif options.edit == "resample-from" and options.sentence_importance:
        label = "sentence importance"
    else:
        label = options.edit + (" keep-rest" if options.keep_rest else "")
        label += f" {options.where}" if options.where else f" @{options.at_sentence}"
    return label + (" resilient" if options.resilient else "")
