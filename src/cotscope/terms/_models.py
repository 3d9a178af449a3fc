"""The result of `cotscope terms`: what `--json` prints (schema `cotscope.terms/1`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION: Literal["cotscope.terms/1"] = "cotscope.terms/1"
OUTSIDE_SCENARIO_PENDING = (
    "not computed: give a judge (`cotscope terms --judge MODEL`, rubric term-reference, or "
    "`judge_outside_scenario` with any UsageJudge)"
)


REPORT_MAX_COTS = 100_000
"""Samples the report's term analysis (`cotscope analyse`) reads at most: a fixed hash
sample beyond; `cotscope terms` reads all unless told otherwise."""


class TermsOptions(BaseModel):
    """Every knob of one analysis (echoed in the result)."""

    suites: list[str] = Field(default_factory=list)
    """Only these suites; all when empty."""
    pool_suites: bool = False
    """Analyse all suites as one corpus (suite `all`) instead of one by one."""
    top: int = 20
    """Terms listed per table (overused, emergent, rising, each direction of a comparison)."""
    min_cots: int = 5
    """A word must be used in at least this many CoTs of the suite to be tested or listed."""
    alpha: float = 0.05
    """Family-wise error rate of every Holm-corrected family."""
    max_prompt_share: float = 0.5
    """Leave a word out of the overused list when more than this share of the CoTs using
    it have it in their own prompt (it echoes the task, not the model's vocabulary)."""
    near_zero_per_1k: float = 0.1
    """A rising word is emergent when its rate at the first checkpoint is at most this."""
    baseline_size: float = 1e9
    """Pseudo-corpus size of the human baseline, in words."""
    prior_strength: float = 10_000.0
    """α₀ of the Dirichlet prior, in pseudo-words."""
    kwic: int = 3
    """Keyword-in-context lines per reported term (0: none, and no second pass)."""
    kwic_width: int = 60
    """Characters of context on each side of a KWIC keyword."""
    compare: tuple[str, str] | None = None
    """Two checkpoint selectors (`step:N`, `model:ID`, `order:K` or an id) to compare."""
    track: list[list[str]] | None = None
    """User terms, each a list of forms; None tracks the default list."""
    terms_file: str | None = None
    """A tracked-terms YAML file replacing the packaged default."""

    max_cots: int | None = Field(default=None, ge=1)
    """Analyse at most about this many samples: a deterministic sample by hash of the
    sample uid, the same on every run (None: all). The report uses 100,000."""


class Checkpoint(BaseModel):
    """One model (checkpoint) of a suite."""

    model_id: str
    """The spec's model id."""
    step: int | None
    """Training step; None for a list of models."""
    model_order: int
    """Position in the spec's model list."""
    n_samples: int
    """Samples in the store for this model and suite."""
    n_cots: int
    """Samples with non-blank reasoning (the share denominator)."""
    n_words: int
    """Word tokens in those CoTs (the rate denominator)."""


class TermAtCheckpoint(BaseModel):
    """A term's use at one checkpoint."""

    model_id: str
    """The checkpoint's model id."""
    step: int | None
    """Its training step."""
    count: int
    """Occurrences of the term (all forms)."""
    cots_with_term: int
    """CoTs using the term at least once."""
    n_cots: int
    """CoTs at the checkpoint."""
    share: float | None
    """cots_with_term / n_cots; None without CoTs."""
    share_ci: tuple[float, float] | None
    """Wilson 95% interval of the share."""
    rate_per_1k: float | None
    """Occurrences per 1,000 words; None without words."""
    rate_ci: tuple[float, float] | None
    """95% Poisson score interval of the rate, widened by `dispersion`."""
    dispersion: float | None
    """Between-CoT dispersion φ ≥ 1 used for `rate_ci`; None when not measured (no second pass)."""
    log_odds_vs_baseline: float | None
    """δ of this checkpoint's CoTs against human text (natural log)."""
    z_vs_baseline: float | None
    """z = δ/σ of the same comparison."""


class RiseTest(BaseModel):
    """A later checkpoint against the first."""

    model_id: str
    """The later checkpoint."""
    step: int | None
    """Its training step."""
    p_value: float
    """One-sided Fisher exact p (share of CoTs higher than at the first checkpoint)."""
    p_holm: float
    """Holm-adjusted across the later checkpoints."""


class TrendTest(BaseModel):
    """Test of a rising share of CoTs using the term across checkpoints."""

    method: Literal["cochran-armitage-ranks"] = "cochran-armitage-ranks"
    """One-sided Cochran–Armitage on CoT shares, checkpoint ranks as scores."""
    z: float
    """The statistic (> 0: rising)."""
    p_value: float
    """One-sided p-value."""
    p_holm: float
    """Holm-adjusted across the family."""
    family: Literal["vocabulary", "tracked"]
    """Which family the correction ran over."""
    family_size: int
    """Number of terms in that family."""


class KwicLine(BaseModel):
    """One use of a term in a real transcript."""

    sample_uid: str
    """The sample, to open the full transcript."""
    model_id: str
    """Its checkpoint."""
    step: int | None
    """Its training step."""
    left: str
    """Text before the keyword (whitespace collapsed)."""
    keyword: str
    """The keyword as written."""
    right: str
    """Text after the keyword."""


class OutsideScenario(BaseModel):
    """Share of sampled uses a judge says refer outside the scenario (graders, training)."""

    judge: str
    """Name of the judge."""
    outside: int
    """Uses judged to refer outside the scenario."""
    inside: int
    """Uses judged to stay inside it."""
    failed: int
    """Uses the judge failed to grade (counted, never taken as 'inside')."""
    share: float | None
    """outside / (outside + inside); None when nothing was graded."""
    share_ci: tuple[float, float] | None
    """Wilson 95% interval of the share."""


class TermReport(BaseModel):
    """Everything about one term in one suite."""

    term: str
    """The term's name."""
    forms: list[str]
    """Tokens counted as the term."""
    baseline_frequency: float
    """Frequency in human text (floored, summed over forms)."""
    baseline_listed: bool
    """Whether wordfreq lists any form (False: the floor is in use, δ and z are lower bounds)."""
    count: int
    """Occurrences in the whole suite."""
    cots_with_term: int
    """CoTs of the suite using the term."""
    cots_with_term_in_prompt: int
    """Of those, CoTs whose own prompt contains the term too (echoes of the task)."""
    rate_per_1k: float | None
    """Occurrences per 1,000 words over the suite."""
    log_odds_vs_baseline: float | None
    """δ of the whole suite against human text."""
    z_vs_baseline: float | None
    """z of the same comparison."""
    checkpoints: list[TermAtCheckpoint]
    """Per checkpoint, in x order."""
    trend: TrendTest | None = None
    """The trend test; None when untestable (one checkpoint, or used everywhere or nowhere)."""
    first_rise_step: int | None = None
    """Step of the first checkpoint significantly above the first; None if none (or no steps)."""
    first_rise_model_id: str | None = None
    """Model id of that checkpoint."""
    rise_tests: list[RiseTest] = Field(default_factory=list)
    """Every later checkpoint against the first (run only when the trend is significant)."""
    effect_log_odds: float | None = None
    """δ after vs before the first rise (pooled prior): the effect emergent terms are ranked by."""
    effect_z: float | None = None
    """z of that comparison."""
    kwic: list[KwicLine] = Field(default_factory=list)
    """Uses in context, sampled across checkpoints, latest first."""
    outside_scenario: OutsideScenario | None = None
    """Judge-based share of uses referring outside the scenario; None until a judge is given."""


class ComparedTerm(BaseModel):
    """A word's change between two checkpoints."""

    term: str
    """The word."""
    count_a: int
    """Occurrences at checkpoint a."""
    count_b: int
    """Occurrences at checkpoint b."""
    cots_a: int
    """CoTs using it at a."""
    cots_b: int
    """CoTs using it at b."""
    rate_a_per_1k: float | None
    """Rate at a per 1,000 words."""
    rate_b_per_1k: float | None
    """Rate at b per 1,000 words."""
    log_odds: float
    """δ of b against a with the pooled corpus as prior (> 0: more in b)."""
    z: float
    """δ/σ."""
    p_value: float
    """Two-sided Fisher exact p on the shares of CoTs using the word (the CoT is the unit,
    so a word repeated within a few CoTs does not pass for a change)."""
    p_holm: float
    """Holm-adjusted across the words compared."""


class Comparison(BaseModel):
    """What changed between two checkpoints of a suite."""

    a: Checkpoint
    """The reference checkpoint."""
    b: Checkpoint
    """The compared checkpoint."""
    n_compared: int
    """Words compared (with a letter, in at least `min_cots` CoTs of a and b together)."""
    more_in_b: list[ComparedTerm]
    """Significant increases, largest sure change first (lower end of δ's 95% interval)."""
    less_in_b: list[ComparedTerm]
    """Significant decreases, likewise."""


class SuiteTerms(BaseModel):
    """The analysis of one suite over one training run's checkpoints."""

    suite: str
    """Suite name, or `all` when suites are pooled."""
    run_id: str = ""
    """The training run (series) whose checkpoints these are; `""` for one unnamed run.
    Each training run of a store (a phase's run, a safety arm) is analysed on its own."""
    x_axis: Literal["step", "model_order"]
    """What orders the checkpoints."""
    checkpoints: list[Checkpoint]
    """In x order."""
    n_cots: int
    """CoTs in the suite."""
    n_words: int
    """Word tokens in the suite."""
    vocabulary: int
    """Distinct tokens."""
    n_candidates: int
    """Words tested (with a letter, in at least `min_cots` CoTs)."""
    overused: list[TermReport]
    """Significantly overused against human text, largest sure δ first."""
    emergent: list[TermReport]
    """Near zero at the first checkpoint, rising significantly later; largest effect first."""
    rising: list[TermReport]
    """Rising significantly but not near zero at the start; largest effect first."""
    tracked: list[TermReport]
    """The tracked terms, in list order."""
    comparison: Comparison | None = None
    """The `--compare` result, when asked for."""
    notes: list[str] = Field(default_factory=list)
    """Anything a reader should know (skipped checkpoints, untestable cases)."""

    @property
    def title(self) -> str:
        """The suite, and its training run when the store names one."""
        return f"{self.suite} · training run {self.run_id}" if self.run_id else self.suite


class Provenance(BaseModel):
    """What produced the numbers."""

    cotscope_version: str
    """cotscope version."""
    tokenizer: str
    """The tokenisation used."""
    baseline: dict[str, str | float]
    """Baseline source, pseudo-corpus size and floor."""
    prior_strength: float
    """α₀."""
    tracked_terms_source: str
    """The tracked-terms file, or `user`."""
    tracked_terms_version: int | None
    """Its `version`."""
    tracked_terms_sha256: str | None
    """SHA-256 of its bytes."""


class TermsResult(BaseModel):
    """The whole `cotscope terms` result."""

    schema_version: Literal["cotscope.terms/1"] = SCHEMA_VERSION
    """Version of this JSON shape."""
    run_dir: str
    """The run analysed."""
    options: TermsOptions
    """The options used."""
    provenance: Provenance
    """Versions and hashes."""
    suites: list[SuiteTerms]
    """One analysis per suite (or one for all suites pooled)."""
    checkpoint_bins: int | None = None
    """When set, the run had more than `DENSE_CHECKPOINTS` checkpoints (a dense training
    log) and they were grouped into this many bins of consecutive steps of about equal
    n; a bin stands for a checkpoint and is labelled by its first step."""
    sampled_share: float | None = None
    """When set, the share of samples analysed (`max_cots`); None: all of them."""
    outside_scenario_status: str = OUTSIDE_SCENARIO_PENDING
    """Whether the judge-based outside-scenario share was computed."""
