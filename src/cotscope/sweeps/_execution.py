"""Where a sweep runs: in this process, or as Ray tasks on a local or existing cluster."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ModelResources(BaseModel):
    """Resources one task of one checkpoint asks Ray for (the task holds them while it runs)."""

    model_config = ConfigDict(extra="forbid")

    num_cpus: float = Field(default=1.0, ge=0.0)
    """CPUs per task; the local engine on CPU uses what it is given."""

    num_gpus: float = Field(default=0.0, ge=0.0)
    """GPUs per task, e.g. 1 so that each GPU serves one checkpoint at a time."""

    resources: dict[str, float] = Field(default_factory=dict)
    """Custom Ray resources per task (e.g. `{vllm_server: 1}`), as the cluster declares them."""


class ExecutionSettings(BaseModel):
    """How the sweep's work is executed; what it computes does not depend on it.

    Not part of the spec's hash: a sweep run on Ray and on one machine stores the
    same rows under the same run.
    """

    model_config = ConfigDict(extra="forbid")

    executor: Literal["local", "ray"] = "local"
    """`local`: every chunk in this process, one after another; `ray`: one Ray task per
    (model, suite, chunk), the rows merged into the store by this process."""

    address: str | None = None
    """Ray cluster address: None starts a local Ray for the run; `auto` joins the
    cluster this machine belongs to (`ray start` / `ray up` / KubeRay); or `ray://...`."""

    per_model: ModelResources = Field(default_factory=ModelResources)
    """Resources each task declares (every task runs one chunk of one checkpoint)."""

    max_retries: int = Field(default=3, ge=0)
    """Times Ray reruns a task whose worker died or which hit a transient error
    (a connection error or timeout) before the chunk is reported as failed."""

    storage: str | None = None
    """Where workers write their Parquet shards before the driver merges them: a
    folder, or an fsspec URL such as `s3://bucket/runs/x/shards` every worker can
    write; default `<run dir>/shards`."""
