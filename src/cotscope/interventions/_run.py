"""Run an intervention over a run's transcripts and store every continuation.

Order of work, so that nothing is spent on a run that cannot finish: parse the
target, load the transcripts, check every model can continue from a prefix and
every suite has a scorer, plan the edits, drop the rows already stored, and only
then generate, batch by batch (`_generate`), each batch written in one transaction.
The command and its summary are in `_options`; a job, its seed and how a
continuation is read are in `_jobs`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from cotscope.store import (
    SampleFilter,
    ensure_interventions_table,
    intervention_row_id,
    read_samples,
    stored_intervention_ids,
    write_interventions,
)

from ._backends import Backend, backend_for
from ._edits import (
    ArmPrefix,
    EditError,
    EditPlan,
    injection_point,
    neutral_sentence,
    plan_inject,
    plan_remove,
    plan_truncate,
)
from ._generate import action_of, generate_rows
from ._jobs import Job
from ._options import InterventionOptions, InterventionSummary, edit_label
from ._replay import replay
from ._score import ContinuationScorer, find_variant
from ._segment import segment
from ._targets import TargetSpec, grader_spans, lexicon_hash, parse_target, target_sentences


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
        # The target's lexicon (a grader target's namesake), when there is one.
        sha = lexicon_hash(options.where.split(":", 1)[1])
        if sha is not None:
            params["lexicon_sha256"] = sha
    if options.control != "none":
        data = "\n".join(_neutral_sentences())
        params["neutral_sha256"] = hashlib.sha256(data.encode()).hexdigest()
    return params


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
        control = None
        if options.control != "none" and targets:
            removed = sentences[targets[0]].text
            control = neutral_sentence(_neutral_sentences(), removed, sample["sample_uid"])
        return [plan_remove(text, sentences, targets, options.keep_rest, control)]
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
        params = edit_params(options)
        for i in range(0, len(todo), options.batch_size):
            batch = todo[i : i + options.batch_size]
            rows = generate_rows(batch, options, spec, summary.edit_key, params)
            with Store(run_dir, timeout=WRITER_COMMIT_TIMEOUT_S) as store:
                write_interventions(store, rows)
            summary.generated += len(rows)
            if progress is not None:
                progress(i + len(batch), len(todo))
    return summary


def _plan(
    store: Any, options: InterventionOptions, spec: TargetSpec | None
) -> tuple[InterventionSummary, list[Job]]:
    """The summary so far and the jobs not yet stored; refuses before any generation."""
    if options.run is not None:
        from cotscope.stats import resolve_run

        resolve_run(store, options.run)  # an unknown name is an error, not zero samples
    ensure_interventions_table(store)
    samples = _load_samples(store, options)
    uids = [s["sample_uid"] for s in samples]
    spans = grader_spans(store, spec.value, uids) if spec and spec.kind == "grader" else {}
    if options.action is None:  # refuse before anything is generated
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
    jobs: list[Job] = []
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
                rid = intervention_row_id(edit_key, s["sample_uid"], plan.site, arm.arm, r)
                jobs.append(Job(s, plan, arm, played, r, rid))
    done = stored_intervention_ids(store, [j.row_id for j in jobs])
    summary.stored_before = len(done)
    return summary, [j for j in jobs if j.row_id not in done]


def _load_samples(store: Any, options: InterventionOptions) -> list[dict[str, Any]]:
    where = SampleFilter(
        run=options.run or None,
        model_ids=tuple(options.model_ids) or None,
        suites=tuple(options.suites) or None,
        exclude_outcomes=("error",),
        with_reasoning=True,
    )
    rows = read_samples(
        store,
        where,
        ("sample_uid", "run", "model_id", "model", "model_args", "suite", "variant_id",
         "variant_hash", "epoch", "seed", "prompt", "reasoning", "messages", "outcome"),
        order_by=("sample_uid",),
        limit=options.limit,
    )  # fmt: skip
    scorers: dict[tuple[Any, ...], ContinuationScorer] = {}
    for row in rows:
        row["model_args"] = dict(row["model_args"] or {})
        key = (row["suite"], row["variant_id"], row["variant_hash"], row["epoch"], row["seed"])
        if key not in scorers:  # refuses agentic or unknown suites before any generation
            variant = find_variant(store, row)
            scorers[key] = ContinuationScorer(row["suite"], variant, row["epoch"], row["seed"])
        row["_scorer"] = scorers[key]
    return rows
