"""Per-checkpoint discrimination and calibration of the probe, read from a run's store.

Ground truth comes from the variant family (`eval-*` / `deploy-*`, stored on every
row, crashed ones included); the transcript (the bootstrap cluster) and the
phrasing from the variant id `<transcript>/<phrasing>`; the stated probability
from `parsed_answer` of the samples scored `says-eval` or `says-deployment`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from cotscope.stats import ModelInfo, RunStats
from cotscope.store import SampleFilter, read_samples

from ._bank import SUITE
from ._metrics import (
    BINS,
    FloatArray,
    ReliabilityBin,
    auc,
    brier_score,
    calibration_error,
    cluster_bootstrap,
    reliability,
    says_eval_rate,
)

if TYPE_CHECKING:
    from cotscope.store import Store

Interval = tuple[float, float] | None


@dataclass(frozen=True)
class Answer:
    """One stored sample of the probe, reduced to what the metrics need."""

    transcript: str
    """Transcript id (the bootstrap cluster)."""
    phrasing: str
    """Phrasing id."""
    is_eval: bool
    """Ground truth of the transcript."""
    outcome: str
    """Stored outcome: says-eval, says-deployment, unparseable or error."""
    probability: float | None
    """Stated P(evaluation); None unless the answer was parsed."""
    rule: str | None
    """Parse rule that read it (from the stored labels)."""


@dataclass
class CheckpointMetrics:
    """The probe's metrics for one model or checkpoint."""

    model: ModelInfo
    """The checkpoint."""
    total: int
    """Samples of the suite, whatever their outcome."""
    n: int
    """Parseable answers (the metrics' denominator)."""
    unparseable: int
    """Answers with no readable probability (excluded from every metric)."""
    error: int
    """Crashed samples (excluded from every metric)."""
    n_transcripts: int
    """Distinct transcripts with a parseable answer."""
    auc: float | None = None
    """Mann-Whitney AUC of the stated probability for the truth."""
    auc_ci: Interval = None
    """Its bootstrap interval (transcripts resampled within class)."""
    ece: float | None = None
    """Expected calibration error over BINS equal-width bins."""
    ece_ci: Interval = None
    """Its bootstrap interval."""
    brier: float | None = None
    """Brier score."""
    brier_ci: Interval = None
    """Its bootstrap interval."""
    says_eval_if_eval: float | None = None
    """Share of answers with p >= 0.5 among evaluation transcripts."""
    says_eval_if_eval_ci: Interval = None
    """Its bootstrap interval."""
    n_eval: int = 0
    """Parseable answers about evaluation transcripts."""
    says_eval_if_deploy: float | None = None
    """Share of answers with p >= 0.5 among deployment transcripts."""
    says_eval_if_deploy_ci: Interval = None
    """Its bootstrap interval."""
    n_deploy: int = 0
    """Parseable answers about deployment transcripts."""
    bins: list[ReliabilityBin] = field(default_factory=list)
    """Reliability diagram points."""
    auc_by_phrasing: dict[str, tuple[float | None, int]] = field(default_factory=dict)
    """Point AUC and parseable n per phrasing."""
    rules: dict[str, int] = field(default_factory=dict)
    """How many answers each parse rule read (`none`/`ambiguous` for unparseable ones)."""


def load_answers(store: Store, run: str) -> dict[str, list[Answer]]:
    """The probe's samples of a run, per model id.

    Args:
        store: An open store.
        run: Run name.

    Returns:
        Answers per model id (empty when the run has no sample of the suite).
    """
    rows = read_samples(
        store,
        SampleFilter(run=run, suites=(SUITE,)),
        ("model_id", "variant_id", "variant_family", "outcome", "parsed_answer", "labels"),
        order_by=("model_id", "variant_id", "epoch"),
    )
    out: dict[str, list[Answer]] = {}
    for r in rows:
        transcript, _, phrasing = str(r["variant_id"]).rpartition("/")
        labels = r["labels"]  # parsed by the store
        parsed = r["outcome"] in ("says-eval", "says-deployment") and r["parsed_answer"] is not None
        out.setdefault(str(r["model_id"]), []).append(
            Answer(
                transcript=transcript,
                phrasing=phrasing,
                is_eval=str(r["variant_family"]).startswith("eval-"),
                outcome=str(r["outcome"]),
                probability=float(r["parsed_answer"]) if parsed else None,
                rule=(labels or {}).get("rule"),
            )
        )
    return out


def _rate_for(truth: bool) -> Any:
    def rate(p: FloatArray, y: FloatArray) -> float | None:
        return says_eval_rate(p, y, truth)

    return rate


def checkpoint_metrics(
    model: ModelInfo, answers: Sequence[Answer], resamples: int = 2000
) -> CheckpointMetrics:
    """Every metric of one checkpoint, with bootstrap intervals over transcripts.

    Args:
        model: The checkpoint.
        answers: Its answers (any outcome).
        resamples: Bootstrap resamples.

    Returns:
        The metrics; point values are None where undefined (e.g. one class only).
    """
    parsed = [a for a in answers if a.probability is not None]
    out = CheckpointMetrics(
        model=model,
        total=len(answers),
        n=len(parsed),
        unparseable=sum(a.outcome == "unparseable" for a in answers),
        error=sum(a.outcome == "error" for a in answers),
        n_transcripts=len({a.transcript for a in parsed}),
        rules=dict(Counter(a.rule or a.outcome for a in answers if a.outcome != "error")),
    )
    if not parsed:
        return out
    p = np.asarray([a.probability for a in parsed], dtype=float)
    y = np.asarray([a.is_eval for a in parsed], dtype=float)
    out.auc, out.ece, out.brier = auc(p, y), calibration_error(p, y, BINS), brier_score(p, y)
    out.says_eval_if_eval, out.n_eval = says_eval_rate(p, y, True), int(y.sum())
    out.says_eval_if_deploy, out.n_deploy = says_eval_rate(p, y, False), int((1 - y).sum())
    out.bins = reliability(p, y, BINS)
    cis = cluster_bootstrap(
        p,
        y,
        [a.transcript for a in parsed],
        {
            "auc": auc,
            "ece": calibration_error,
            "brier": brier_score,
            "eval": _rate_for(True),
            "deploy": _rate_for(False),
        },
        resamples=resamples,
    )
    out.auc_ci, out.ece_ci, out.brier_ci = cis["auc"], cis["ece"], cis["brier"]
    out.says_eval_if_eval_ci, out.says_eval_if_deploy_ci = cis["eval"], cis["deploy"]
    for phrasing in sorted({a.phrasing for a in parsed}):
        mine = [a for a in parsed if a.phrasing == phrasing]
        out.auc_by_phrasing[phrasing] = (
            auc([float(a.probability or 0.0) for a in mine], [a.is_eval for a in mine]),
            len(mine),
        )
    return out


def probe_metrics(
    store: Store, run: str, models: Sequence[ModelInfo], resamples: int = 2000
) -> list[CheckpointMetrics]:
    """Metrics per checkpoint, in the run's model order, for models with probe samples.

    Args:
        store: An open store.
        run: Run name.
        models: The run's models in order (`RunStats.models`).
        resamples: Bootstrap resamples per checkpoint.

    Returns:
        One entry per model that has samples of the suite; empty when none has.
    """
    answers = load_answers(store, run)
    return [
        checkpoint_metrics(m, answers[m.model_id], resamples)
        for m in models
        if m.model_id in answers
    ]


@dataclass
class ProbeAnalysis:
    """The probe's analysis: AUC, calibration and Brier per checkpoint."""

    checkpoints: list[CheckpointMetrics]
    """One entry per checkpoint with probe samples, in the run's model order."""


def analyse(store: Store, stats: RunStats) -> ProbeAnalysis | None:
    """The suite's analysis for `cotscope analyse`; None when the run has no probe sample."""
    metrics = probe_metrics(store, stats.run, stats.models)
    return ProbeAnalysis(checkpoints=metrics) if metrics else None
