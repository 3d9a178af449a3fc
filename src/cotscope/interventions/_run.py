"""Run an intervention over a run's transcripts and store every continuation.

Order of work, so that nothing is spent on a run that cannot finish: parse the
target, load the transcripts, check every model can continue from a prefix and
every suite has a scorer, plan the edits, drop the rows already stored, and only
then generate, batch by batch, each batch written in one transaction.

Seeds are derived from (seed, edit, sample, site, resample, try) and *not* from
the arm, so the edited, base and control continuations of one resample index
share a seed (common random numbers): the arms then differ only by the edit,
and their rows pair for a paired comparison.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ._backends import Backend, backend_for
from ._edits import (
    ArmPrefix,
    EditError,
    EditKind,
    EditPlan,
    InjectAt,
    injection_point,
    neutral_sentence,
    plan_inject,
    plan_remove,
    plan_truncate,
)
from ._replay import Replay, replay
from ._score import ContinuationScorer, find_variant
from ._segment import segment
from ._table import ensure_table, insert_rows, row_id, stored_ids
from ._targets import TargetSpec, grader_spans, lexicon_hash, parse_target, target_sentences


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
    """Control arm: a neutral sentence of similar length injected at the same point."""
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


@dataclass(frozen=True)
class _Job:
    sample: dict[str, Any]
    plan: EditPlan
    arm: ArmPrefix
    replay: Replay
    resample: int
    row_id: str


def _neutral_sentences() -> list[str]:
    text = resources.files("cotscope.interventions").joinpath("data/neutral_sentences.txt")
    lines = text.read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def edit_params(options: InterventionOptions) -> dict[str, Any]:
    """The parameters that define an experiment (hashed into its key)."""
    params: dict[str, Any] = {
        k: getattr(options, k)
        for k in ("edit", "where", "text", "at", "control", "keep_rest", "sentence_importance")
    }
    params |= {
        "at_sentence": options.at_sentence,
        "resilient": options.max_tries if options.resilient else None,
        "max_new_tokens": options.max_new_tokens,
        "temperature": options.temperature,
        "seed": options.seed,
    }
    if options.where and options.where.startswith(("lexical:", "grader:")):
        params["lexicons_sha256"] = lexicon_hash()
    if options.control != "none":
        data = "\n".join(_neutral_sentences())
        params["neutral_sha256"] = hashlib.sha256(data.encode()).hexdigest()
    return params


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


def _seed(base: int, key: str, uid: str, site: int, resample: int, attempt: int) -> int:
    text = json.dumps([base, key, uid, site, resample, attempt])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") & 0x7FFFFFFF


def _plans(
    sample: dict[str, Any], options: InterventionOptions, spec: TargetSpec | None, spans: Any
) -> list[EditPlan]:
    text: str = sample["reasoning"]
    sentences = segment(text)
    if not sentences:
        raise EditError("no sentences")
    if spec is not None and spec.kind == "grader":
        found = spans or []
    else:
        found = spec.find(text) if spec else []
    targets = target_sentences(sentences, found)
    if spec is not None and not targets and options.edit != "inject":
        raise EditError("no target sentence")
    if options.edit == "remove":
        return [plan_remove(text, sentences, targets, options.keep_rest)]
    if options.edit == "inject":
        if not options.text:
            raise ValueError("inject needs --text")
        site = injection_point(sentences, options.at, targets, f"{sample['sample_uid']}|inject")
        control = None
        if options.control != "none":
            control = neutral_sentence(_neutral_sentences(), options.text, sample["sample_uid"])
        return [plan_inject(text, sentences, site, options.text, control)]
    if options.edit == "resample-from" and options.sentence_importance:
        last = min(len(sentences), options.max_sentences)
        plans = [plan_truncate(text, sentences, i, "resample-from") for i in range(last)]
        if last < len(sentences):  # its edited arm is the base of the last planned site
            return [*plans, plan_truncate(text, sentences, last, "resample-from")]
        full = ArmPrefix("edited", text.rstrip())
        return [*plans, EditPlan("resample-from", len(sentences), (full,), cut=len(text))]
    cut = targets[0] if targets else options.at_sentence
    if cut is None:
        raise ValueError(f"{options.edit} needs --where or --at-sentence")
    return [plan_truncate(text, sentences, cut, options.edit)]


def _arms(plan: EditPlan, options: InterventionOptions) -> list[ArmPrefix]:
    if options.edit == "resample-from" and options.sentence_importance:
        return [a for a in plan.arms if a.arm == "edited"]  # site i+1 is the base of site i
    return list(plan.arms)


def run_interventions(
    run_dir: str | Path,
    options: InterventionOptions,
    progress: Callable[[int, int], None] | None = None,
) -> InterventionSummary:
    """Plan, generate, score and store one intervention experiment (resumable).

    Args:
        run_dir: Run directory holding `cotscope.duckdb`.
        options: The command.
        progress: Called with (done, total) continuations after each batch.

    Returns:
        What was done.

    Raises:
        PrefillUnsupportedError: A sample's model cannot continue from a prefix.
        ScorerError: A sample's suite cannot score a continuation (unknown, or agentic).
        TargetError: The target spec is invalid.
    """
    from cotscope.store import WRITER_COMMIT_TIMEOUT_S, Store, require_store, writer_lock

    spec = parse_target(options.where) if options.where else None
    if options.edit == "remove" and spec is None:
        raise ValueError("remove needs --where")
    require_store(run_dir)
    with writer_lock(run_dir, "cotscope intervene"):
        # The database is open to plan and to commit each batch, never while generating.
        with Store(run_dir, create=False) as store:
            summary, todo = _plan(store, options, spec)
        from ._generate import generate_rows

        params = edit_params(options)
        for i in range(0, len(todo), options.batch_size):
            batch = todo[i : i + options.batch_size]
            rows = generate_rows(batch, options, spec, summary.edit_key, params)
            with Store(run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
                insert_rows(store.con, rows)
            summary.generated += len(rows)
            if progress is not None:
                progress(i + len(batch), len(todo))
    return summary


def _plan(
    store: Any, options: InterventionOptions, spec: TargetSpec | None
) -> tuple[InterventionSummary, list[_Job]]:
    """The summary so far and the jobs not yet stored; refuses before any generation."""
    if options.run is not None:
        from cotscope.stats import resolve_run

        resolve_run(store, options.run)  # an unknown name is an error, not zero samples
    ensure_table(store.con)
    samples = _load_samples(store, options)
    uids = [s["sample_uid"] for s in samples]
    spans = grader_spans(store, spec.value, uids) if spec and spec.kind == "grader" else {}
    if options.action is None:  # refuse before anything is generated
        from ._generate import action_of

        for suite in sorted({str(s["suite"]) for s in samples}):
            action_of(suite)
    backends: dict[str, Backend] = {}
    for s in samples:  # refuse before anything is generated
        key = json.dumps([s["model"], s["model_args"]], sort_keys=True)
        if key not in backends:
            backends[key] = backend_for(
                s["model"],
                s["model_args"],
                base_url=options.base_url,
                tokenizer=options.tokenizer,
                served_model=options.served_model,
                concurrency=options.batch_size,
            )
        s["_backend"] = backends[key]
    params = edit_params(options)
    key_models = sorted({b.model for b in backends.values()})
    edit_key = hashlib.sha256(
        json.dumps([params, key_models], sort_keys=True).encode()
    ).hexdigest()[:16]
    summary = InterventionSummary(
        edit_key=edit_key,
        label=edit_label(options),
        transcripts=0,
        backends=sorted({b.name for b in backends.values()}),
    )
    jobs: list[_Job] = []
    for s in samples:
        try:
            plans = _plans(s, options, spec, spans.get(s["sample_uid"]) if spans else None)
            arms = [
                (
                    plan,
                    arm,
                    replay(s["prompt"], s["reasoning"], s["messages"], plan.cut, arm.prefix),
                )
                for plan in plans
                for arm in _arms(plan, options)
            ]
        except EditError as ex:
            summary.skipped[str(ex)] = summary.skipped.get(str(ex), 0) + 1
            continue
        summary.transcripts += 1
        for plan, arm, played in arms:
            for r in range(options.resamples):
                rid = row_id(edit_key, s["sample_uid"], plan.site, arm.arm, r)
                jobs.append(_Job(s, plan, arm, played, r, rid))
    done = stored_ids(store.con, [j.row_id for j in jobs])
    summary.stored_before = len(done)
    return summary, [j for j in jobs if j.row_id not in done]


def _load_samples(store: Any, options: InterventionOptions) -> list[dict[str, Any]]:
    where = ["reasoning IS NOT NULL", "length(trim(reasoning)) > 0", "outcome <> 'error'"]
    params: list[Any] = []
    if options.run:
        where.append("run = ?")
        params.append(options.run)
    for column, values in (("model_id", options.model_ids), ("suite", options.suites)):
        if values:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    sql = (
        "SELECT sample_uid, run, model_id, model, model_args, suite, variant_id, variant_hash, "
        "epoch, seed, prompt, reasoning, messages, outcome FROM samples "
        f"WHERE {' AND '.join(where)} ORDER BY sample_uid"
    )
    if options.limit is not None:
        sql += f" LIMIT {int(options.limit)}"
    rows: list[dict[str, Any]] = store.query(sql, params)
    scorers: dict[tuple[Any, ...], ContinuationScorer] = {}
    for row in rows:
        for column in ("model_args", "messages"):
            raw = row[column]
            row[column] = json.loads(raw) if isinstance(raw, str) else raw
        row["model_args"] = dict(row["model_args"] or {})
        key = (row["suite"], row["variant_id"], row["variant_hash"], row["epoch"], row["seed"])
        if key not in scorers:  # refuses agentic or unknown suites before any generation
            variant = find_variant(store, row)
            scorers[key] = ContinuationScorer(row["suite"], variant, row["epoch"], row["seed"])
        row["_scorer"] = scorers[key]
    return rows


def read_continuation(text: str, think_end: str) -> tuple[str, str]:
    """Split a continuation into the rest of the reasoning and the visible answer.

    Args:
        text: Generated text following the reasoning prefix.
        think_end: The model's closing reasoning marker.

    Returns:
        (reasoning continuation, visible answer); the answer is '' when the
        reasoning never closed.
    """
    end = text.find(think_end)
    if end == -1:
        return text, ""
    return text[:end], text[end + len(think_end) :].strip()
