"""The sweep spec: which models or checkpoints run which suite variants, and how."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from ._execution import ExecutionSettings


class GenerationSettings(BaseModel):
    """Sampling settings applied to every model in the sweep."""

    model_config = ConfigDict(extra="forbid")

    temperature: float = Field(default=1.0, ge=0.0, le=5.0)
    """Sampling temperature (0 = greedy)."""

    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    """Nucleus sampling mass; None leaves the provider default."""

    max_tokens: int = Field(default=64, ge=1)
    """Maximum generated tokens per sample (reasoning included)."""

    seed: int = 0
    """Base seed; each sample's seed is derived from it, the variant and the epoch."""

    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None
    """Reasoning effort for providers that accept one (OpenAI o-series, gpt-5, ...)."""

    max_connections: int | None = Field(default=None, ge=1)
    """Concurrent requests to the provider; None uses the provider's default."""


class ModelEntry(BaseModel):
    """One model or training checkpoint to sweep."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    """Id of the model within the run (unique; used in the store and reports)."""

    model: str = Field(min_length=1)
    """Inspect model string, e.g. `local/smollm2`, `vllm/Qwen/Qwen3-8B`, `openai/gpt-5`."""

    model_args: dict[str, Any] = Field(default_factory=dict)
    """Extra model args for Inspect (e.g. `adapter` for a LoRA checkpoint, `base_url`)."""

    step: int | None = Field(default=None, ge=0)
    """Training step of the checkpoint; give it for every model or for none."""

    label: str | None = None
    """Display label when the list is of different models rather than checkpoints."""

    run: str = ""
    """Training run (series) the checkpoint belongs to: each run is its own curve over
    its steps, and runs are compared; `""` (the default) for one unnamed run."""

    phase: str = ""
    """Training phase of the checkpoint (e.g. `capabilities`); `""` when not given."""


class CheckpointPattern(BaseModel):
    """A list of checkpoints expanded from a folder or from a list of revisions."""

    model_config = ConfigDict(extra="forbid")

    expand: Literal["folder", "revisions"]
    """`folder`: every `checkpoint-<step>` under `path`; `revisions`: one entry per revision."""

    model: str
    """Inspect model string of the base model (adapters attach to it; revisions apply to it)."""

    path: str | None = None
    """Folder holding `checkpoint-*` subfolders (full checkpoints or LoRA adapters)."""

    glob: str = "checkpoint-*"
    """Subfolder pattern; the step is the last integer in the folder name."""

    revisions: list[str] = Field(default_factory=list)
    """Revisions (branches/commits), in training order, for `expand: revisions`."""

    steps: list[int] = Field(default_factory=list)
    """Training step of each revision, same order as `revisions`."""

    id_prefix: str = "step"
    """Model ids become `<id_prefix>-<step>`."""

    model_args: dict[str, Any] = Field(default_factory=dict)
    """Model args shared by every expanded checkpoint."""

    include_base: bool = False
    """Also sweep the bare base model as step 0 (for adapter folders)."""

    run: str = ""
    """Training run of every expanded checkpoint (see `ModelEntry.run`)."""


class Precision(BaseModel):
    """Keep adding epochs until each variant family's rates are as precise as asked.

    After the suite's `epochs` have run on a model, every family of that model whose
    widest outcome rate (95% Wilson interval, among parseable samples, as in the
    summary) is wider than `half_width` gets more epochs for all its variants, in
    rounds, until it is narrow enough or its variants reach `max_epochs`. Rounds
    read the store, so an interrupted run resumes the same way.
    """

    model_config = ConfigDict(extra="forbid")

    half_width: float = Field(gt=0.0, lt=0.5)
    """Target half-width of each family rate's 95% interval, e.g. 0.10 for ±10 points."""

    max_epochs: int = Field(ge=1)
    """Most epochs any variant gets, whatever the width."""

    outcomes: list[str] | None = None
    """Outcome labels whose rates must meet the target; default every parseable outcome."""


class SuiteSelection(BaseModel):
    """One suite to run, with its variant selection and repetitions."""

    model_config = ConfigDict(extra="forbid")

    name: str
    """Suite name, e.g. `reward_hints` (see `cotscope suites`)."""

    variants: list[str] | Literal["all"] = "all"
    """Variant ids and/or family names, or `all`."""

    epochs: int = Field(default=10, ge=1)
    """Samples per variant per model."""

    epochs_for: dict[str, int] = Field(default_factory=dict)
    """Epochs for particular variant ids or families, overriding `epochs` (an id wins
    over its family), e.g. `{base: 60, control: 20}`: spend samples where the
    headline rate needs a narrow interval."""

    precision: Precision | None = None
    """Adaptive epochs: add epochs per model and family until the family's rates reach
    a target interval width (see `Precision`). `epochs` is then the starting point."""

    @model_validator(mode="after")
    def _max_epochs_reachable(self) -> SuiteSelection:
        if self.precision is not None:
            start = max([self.epochs, *self.epochs_for.values()])
            if self.precision.max_epochs < start:
                raise ValueError(
                    f"precision.max_epochs ({self.precision.max_epochs}) is below the "
                    f"starting epochs ({start})"
                )
        return self

    @field_validator("epochs_for")
    @classmethod
    def _positive_epochs(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [k for k, n in value.items() if n < 1]
        if bad:
            raise ValueError(f"epochs must be at least 1 (for {', '.join(map(repr, bad))})")
        return value

    @field_validator("variants", mode="before")
    @classmethod
    def _split_string(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "all":
            return [v.strip() for v in value.split(",") if v.strip()]
        return value


def _entry_kind(value: Any) -> str:
    """`expand` for a checkpoint pattern, else `model`: errors then name one kind only."""
    if isinstance(value, dict):
        return "expand" if "expand" in value else "model"
    return "expand" if isinstance(value, CheckpointPattern) else "model"


ModelOrPattern = Annotated[
    Annotated[ModelEntry, Tag("model")] | Annotated[CheckpointPattern, Tag("expand")],
    Discriminator(_entry_kind),
]
"""One entry of `models`: a model, or a pattern that expands into checkpoints."""


class SweepSpec(BaseModel):
    """A sweep: models × suites × variants × epochs, and where results go."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    """Run name; stored with every sample."""

    models: list[ModelOrPattern] = Field(min_length=1)
    """Ordered models or checkpoints (checkpoints in training order)."""

    suites: list[SuiteSelection] = Field(min_length=1)
    """Suites to run on every model."""

    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    """Sampling settings."""

    output_dir: str = "runs/sweep"
    """Run directory: the store, Inspect logs and report go here."""

    commit_every: int = Field(default=200, ge=1)
    """Samples per atomic store commit (also the size of each Inspect eval call)."""

    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)
    """Where the work runs (this process or Ray); left out of the spec's hash."""

    @model_validator(mode="after")
    def _unique_suites(self) -> SweepSpec:
        names = [s.name for s in self.suites]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(
                f"suites: listed more than once: {', '.join(dupes)} "
                "(to give some variants more samples, use `epochs_for`)"
            )
        return self

    def spec_hash(self) -> str:
        """SHA-256 of the canonical JSON form of the spec (without `execution`)."""
        canonical = json.dumps(self.recorded(), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def recorded(self) -> dict[str, Any]:
        """The spec as stored with the run: what is computed, not where (no `execution`).

        A sweep run on Ray and on one machine records the same spec and hash.
        """
        return self.model_dump(mode="json", exclude={"execution"})

    def run_dir(self, base: Path | None = None) -> Path:
        """The output directory, resolved against `base` when relative."""
        out = Path(self.output_dir)
        return out if out.is_absolute() or base is None else base / out
