"""The measures `cotscope analyse` runs: what each reads, and how it computes its result.

A measure names the store tables it reads; their fingerprints, its version and its
options make the inputs hash under which its result is stored. A measure that does
not apply to a run (no grades, no reasoning, no interventions) returns None, which
is stored as a null payload so that it is not redone.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotscope.store import SampleFilter, count_samples

if TYPE_CHECKING:
    from cotscope.stats import RunStats
    from cotscope.store import Store


@dataclass(frozen=True)
class Measure:
    """One measure of a run, stored as one result."""

    name: str
    """The result's name in the store and in `stats --json`, e.g. `rates`."""

    version: int
    """Bumped when the measure's code changes what it computes."""

    tables: tuple[str, ...]
    """Store tables it reads; a change to their rows for the run recomputes it."""

    compute: Callable[[Store, RunStats], Any]
    """Computes the result (pydantic model, dataclass, list or dict), or None."""

    options: dict[str, Any] = field(default_factory=dict)
    """Settings that change the result, hashed into its inputs."""

    run_files: tuple[str, ...] = ()
    """Globs of files in the run directory it reads (e.g. judges' validation files);
    their names and contents are hashed into its inputs."""


def _rates(store: Store, stats: RunStats) -> Any:
    from ._rates_payload import stats_payload

    return stats_payload(stats)  # whole, so that `run_stats` reads back the same object


def _graded(store: Store, stats: RunStats) -> Any:
    from cotscope.graders import graded_results

    return graded_results(store, stats.run)


def _terms(store: Store, stats: RunStats) -> Any:
    from cotscope.terms import REPORT_MAX_COTS, TermsOptions, analyse_terms

    ((_, with_reasoning),) = count_samples(
        store, SampleFilter(run=stats.run, with_reasoning=True), ()
    )
    if not with_reasoning:
        return None
    options = TermsOptions(kwic=5, max_cots=REPORT_MAX_COTS)
    return analyse_terms(store, options, str(store.run_dir))


def _interventions(store: Store, stats: RunStats) -> Any:
    from cotscope.interventions import intervention_effects

    effects = intervention_effects(store, stats.run)
    # Sentence importance alone (resample-from experiments) is a result too.
    return effects if effects.effects or effects.importance else None


def _suite_analysis(path: str) -> Callable[[Store, RunStats], Any]:
    module, _, function = path.partition(":")

    def compute(store: Store, stats: RunStats) -> Any:
        analyse: Callable[[Store, RunStats], Any] = getattr(
            importlib.import_module(module), function
        )
        return analyse(store, stats)

    return compute


def _terms_options() -> dict[str, Any]:
    from cotscope.terms import REPORT_MAX_COTS

    return {"kwic": 5, "max_cots": REPORT_MAX_COTS, "data": data_hash("cotscope.terms")}


def _graders_options() -> dict[str, Any]:
    # The rubrics, lexicons and labelled set: the lexical detectors' validation reads them.
    return {"data": data_hash("cotscope.graders")}


def data_hash(*packages: str) -> str:
    """SHA-256 over the data files (lexicons, term lists, ...) a measure reads.

    Every file under each package's folder counts except Python sources, plus the
    shared lexicons of `cotscope.text`: editing any of them recomputes the measure.
    """
    digest = hashlib.sha256()
    for package in (*packages, "cotscope.text"):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        data = [
            p
            for p in root.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
        ]
        _digest_files(digest, root, data)
    return digest.hexdigest()


def run_files_hash(run_dir: Path, globs: tuple[str, ...]) -> str:
    """SHA-256 over the names and contents of the run directory's files matching `globs`."""
    digest = hashlib.sha256()
    _digest_files(digest, run_dir, {p for g in globs for p in run_dir.glob(g) if p.is_file()})
    return digest.hexdigest()


def _digest_files(digest: Any, root: Path, paths: Iterable[Path]) -> None:
    """Feed each file's path (relative to `root`) and bytes to `digest`, in path order."""
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())


def builtin_measures() -> list[Measure]:
    """Rates, graded rates, term results and intervention effects."""
    return [
        # v6: models, rates and rise tests stored as tables (`_rates_payload`);
        # v7: a run that branches after the first is compared with the branch point.
        Measure("rates", 8, ("samples", "outcomes"), _rates),
        # v2: lexical detectors' validation on the shipped labels (hashed as data).
        Measure(
            "graded-rates",
            7,
            ("samples", "outcomes", "grades"),
            _graded,
            _graders_options(),
            run_files=("validations/*.json",),
        ),  # fmt: skip
        # v2: one analysis per suite and training run (a phase's run, an arm).
        Measure("terms", 2, ("samples",), _terms, _terms_options()),
        Measure("interventions", 2, ("samples", "interventions"), _interventions),
    ]


def suite_measures(suites: list[str]) -> list[Measure]:
    """Each suite's own analysis (`SuiteDef.analysis`), for the suites a run holds."""
    from cotscope.suites import SuiteLoadError, get_suite

    out = []
    for name in suites:
        try:
            suite = get_suite(name)
        except (KeyError, SuiteLoadError):
            continue  # an ingested or uninstalled suite: the generic measures cover it
        if suite.analysis:
            out.append(
                Measure(
                    f"suite:{name}",
                    suite.analysis_version,
                    # A suite's analysis may read grades too (rubric elicitation's judges).
                    ("samples", "outcomes", "grades"),
                    _suite_analysis(suite.analysis),
                    {
                        "analysis": suite.analysis,
                        "data": data_hash(suite.analysis.split(":")[0].rsplit(".", 1)[0]),
                    },
                )  # fmt: skip
            )
    return out
