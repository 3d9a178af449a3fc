"""Grading on Ray: the judge calls of a grading plan, sharded over Ray tasks.

`grade_run(..., executor="ray")` plans exactly what the single-process path plans
(the same transcripts, cache keys, copies, prescreen and audit draw) on the driver;
only the judge calls move. The items a judge still has to grade are cut into chunks
of `chunk_size`; each chunk is one Ray task that runs `judge_items`, the very loop
the single-process path runs, and writes its grade rows as one Parquet shard,
`<storage>/<rubric>/<rubric hash>/<judge key>/<chunk key>.parquet`, never opening
the store. As tasks finish, the driver merges each shard through `write_grades`
(keyed by grade_uid: sample × rubric hash × judge) and deletes it.

The lexical detector (`--lexical`, and the prescreen's flags) runs on the workers
too, `LEXICAL_CHUNK` CoTs per task: a task returns only hits (or flags), and the driver
builds the grade rows and draws the prescreen's audit sample from them exactly as one
process does, since the draw needs every flag in one place.

A driver killed mid-grading leaves shards; the next `grade_run` on Ray merges them
before it plans, so they are neither judged again nor duplicated.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from cotscope.runner._shards import (
    list_shards,
    read_records,
    remove_shard,
    shard_exists,
    shard_file,
    storage_root,
    write_table,
)
from cotscope.store import GRADE_COLUMNS, WRITER_COMMIT_TIMEOUT_S, GradeRow, Store, write_grades

from ._judge import JudgeSpec
from ._judging import GradeChunksFailed, TodoItem, judge_items
from ._lexical import LexicalDetector, scan_texts
from ._rubric import Rubric

GRADE_SHARDS_DIRNAME = "grade-shards"
"""Default grade shard folder inside the run directory (apart from a sweep's `shards`)."""

_JSON = frozenset(n for n, t in GRADE_COLUMNS.items() if t.startswith("JSON"))
_ARROW = {"VARCHAR": "string", "JSON": "string", "INTEGER": "int32", "BIGINT": "int64",
          "BOOLEAN": "bool", "TIMESTAMP": "timestamp"}  # fmt: skip


@dataclass(frozen=True)
class GradeJob:
    """Everything a worker needs to grade one chunk: no plan, no store."""

    rubric: Rubric
    spec: JudgeSpec
    items: tuple[TodoItem, ...]
    """(run, transcript, prescreen role) of each transcript to judge."""
    root: str
    """Shard storage root (folder or fsspec URL)."""
    key: str
    """The chunk's key (`grade_chunk_key`)."""

    @property
    def shard(self) -> str:
        """Where this chunk's shard goes."""
        r = self.rubric
        return shard_file(self.root, r.name, r.sha256[:16], self.spec.key, key=self.key)


def grade_chunk_key(items: Sequence[TodoItem]) -> str:
    """A stable name for a chunk: a hash of its (sample_uid, transcript hash, role) triples."""
    keys = sorted((t.sample_uid, t.hash, role or "") for _, t, role in items)
    return hashlib.sha256(json.dumps(keys).encode()).hexdigest()[:24]


def write_grade_shard(root: str, path: str, rows: Sequence[GradeRow]) -> None:
    """Write grade rows as one Parquet shard (JSON columns as text, as the store keeps them)."""
    import pyarrow as pa

    names = list(GRADE_COLUMNS)
    fields = []
    for n in names:
        kind = _ARROW[GRADE_COLUMNS[n].split()[0]]
        fields.append(pa.field(n, pa.timestamp("us") if kind == "timestamp" else kind))
    dumped = [r.model_dump() for r in rows]
    columns = {
        n: [json.dumps(d[n], default=str) if n in _JSON else d[n] for d in dumped] for n in names
    }
    write_table(root, path, pa.table(columns, schema=pa.schema(fields)))


def read_grade_shard(root: str, path: str) -> list[GradeRow]:
    """The grade rows of one shard."""
    return [GradeRow.model_validate(r) for r in read_records(root, path, _JSON)]


@dataclass(frozen=True)
class GradeChunkDone:
    """What a finished task returns."""

    shard: str
    rows: int
    reused: bool
    """The shard was already written by an earlier attempt of this task."""


def grade_chunk(job: GradeJob) -> GradeChunkDone:
    """Body of one Ray task: judge the chunk with `judge_items` and write its shard."""
    if shard_exists(job.root, job.shard):  # the worker died after writing it
        return GradeChunkDone(job.shard, len(job.items), True)
    rows: list[GradeRow] = []
    asyncio.run(judge_items(job.rubric, job.spec, job.items, rows.extend))
    write_grade_shard(job.root, job.shard, rows)
    return GradeChunkDone(job.shard, len(rows), False)


LEXICAL_CHUNK = 5_000
"""CoTs per lexical scanning task: a few milliseconds each, so chunks are large."""


class RayGrading:
    """The Ray executor of `grade_run`: a `JudgeTodo` and a context around the grading.

    Entering merges the shards an earlier, interrupted run left (before anything is
    planned); Ray is joined or started on the first judge call, and shut down on exit
    when this object started it.
    """

    def __init__(
        self,
        run_dir: Path,
        storage: str | None,
        address: str | None,
        chunk_size: int,
        echo: Callable[[str], None],
        *,
        num_cpus: float = 1.0,
        max_retries: int = 3,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        self.run_dir = run_dir
        self.root = storage_root(storage, run_dir, GRADE_SHARDS_DIRNAME)
        self.address = address
        self.chunk_size = chunk_size
        self.echo = echo
        self.num_cpus = num_cpus
        """CPUs each task asks Ray for: judge calls wait on the network, not the CPU."""
        self.max_retries = max_retries
        self._owns_ray = False
        self._connected = False

    def __enter__(self) -> RayGrading:
        leftover = list_shards(self.root)
        if leftover:
            self.echo(f"merging {len(leftover)} grade shard(s) left by an earlier run")
            self._merge(leftover)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owns_ray:
            import ray

            ray.shutdown()

    def _merge(self, paths: Sequence[str]) -> int:
        """Write each shard's grades (idempotent by grade_uid), then delete the shard."""
        written = 0
        with Store(self.run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
            for path in paths:
                written += write_grades(store, read_grade_shard(self.root, path))
                remove_shard(self.root, path)
        return written

    def _join(self) -> None:
        if not self._connected:
            from cotscope.runner._ray import _connect

            self._owns_ray = _connect(self.address)
            self._connected = True

    def scan(self, detector: LexicalDetector, texts: Sequence[str], flags_only: bool) -> list[Any]:
        """The lexical detector over `texts` on Ray, `LEXICAL_CHUNK` per task, in order.

        The detector travels once (`ray.put`); each task returns only its hits (or flags),
        which the driver turns into grade rows or a prescreen plan as one process does.
        """
        import ray

        from cotscope.runner._ray import ray_remote

        if not texts:
            return []
        self._join()
        shared = ray.put(detector)
        refs = [
            ray_remote(scan_texts)
            .options(num_cpus=1, max_retries=self.max_retries)
            .remote(shared, texts[i : i + LEXICAL_CHUNK], flags_only)
            for i in range(0, len(texts), LEXICAL_CHUNK)
        ]
        return [found for part in ray.get(refs) for found in part]

    def __call__(
        self,
        run_dir: Path,
        rubric: Rubric,
        spec: JudgeSpec,
        todo: list[TodoItem],
        advance: Callable[[int], None],
    ) -> int:
        """Judge `todo` on Ray, one task per chunk; merge as tasks end; the grades written.

        Raises:
            GradeChunksFailed: after merging every chunk that succeeded.
        """
        import ray

        from cotscope.runner._ray import TRANSIENT_ERRORS, _reason, ray_remote

        self._join()
        chunks = [todo[i : i + self.chunk_size] for i in range(0, len(todo), self.chunk_size)]
        pending: dict[Any, GradeJob] = {}
        for chunk in chunks:
            job = GradeJob(rubric, spec, tuple(chunk), self.root, grade_chunk_key(chunk))
            options = {"num_cpus": self.num_cpus, "max_retries": self.max_retries,
                       "retry_exceptions": list(TRANSIENT_ERRORS),
                       "name": f"cotscope-grade:{rubric.name}:{spec.key}:{job.key}"}  # fmt: skip
            pending[ray_remote(grade_chunk).options(**options).remote(job)] = job
        written, failed = 0, []
        while pending:
            ready, rest = ray.wait(list(pending), num_returns=1)
            if rest:  # merge every task done by now under one opening of the store
                more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
                ready += more
            done: list[str] = []
            finished = 0
            for ref in ready:
                job = pending.pop(ref)
                try:
                    done.append(ray.get(ref).shard)
                    finished += len(job.items)
                except ray.exceptions.RayError as err:
                    failed.append(f"{rubric.name} by {spec.key}, chunk {job.key} "
                                  f"({len(job.items)} transcripts): {_reason(err)}")  # fmt: skip
                    self.echo(f"failed: {failed[-1]}")
            if done:
                written += self._merge(done)
                advance(finished)
        if failed:
            raise GradeChunksFailed(
                f"{len(failed)} grading chunk(s) failed; the rest are stored, and running "
                "the same command again judges only what is missing: " + "; ".join(failed)
            )
        return written
