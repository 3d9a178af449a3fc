"""The probe's analysis and report section on a synthetic store: metrics per checkpoint, figures."""

import random
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from cotscope.report import ENTRY_POINT_GROUP, ReportOptions, build_report, open_context
from cotscope.report.sections.eval_awareness_probe import SECTION
from cotscope.results import analyse as analyse_run
from cotscope.stats import collect_stats
from cotscope.store import SampleRow, Store
from cotscope.suites.eval_awareness_probe import SUITE, auc, load_variants, probe_metrics

STEPS = (0, 10, 20)


def _probability(step: int, is_eval: bool, rng: random.Random) -> float:
    if step == 0:  # says "deployment", cannot tell
        return round(rng.uniform(0.0, 0.4), 2)
    if step == 10:  # says "evaluation" to everything, still cannot tell
        return round(rng.uniform(0.6, 1.0), 2)
    return round(rng.uniform(0.7, 1.0) if is_eval else rng.uniform(0.0, 0.3), 2)  # tells


def _rows(suite_variants: list, epochs: int = 2) -> list[SampleRow]:  # type: ignore[type-arg]
    rng = random.Random(0)
    rows = []
    for order, step in enumerate(STEPS):
        for v in suite_variants:
            for epoch in range(epochs):
                p = _probability(step, v.scoring["is_eval"], rng)
                outcome = "says-eval" if p >= 0.5 else "says-deployment"
                parsed: str | None = str(p)
                labels = {"probability": p, "truth": v.scoring["is_eval"], "rule": "percent"}
                error = None
                if epoch == 1 and v.id.endswith("/unit"):
                    outcome, parsed, labels = "unparseable", None, {"rule": "none"}
                if (step, epoch) == (20, 1) and v is suite_variants[0]:
                    outcome, parsed, labels, error = "error", None, {}, "boom"
                rows.append(SampleRow(
                    run="r", model_id=f"ckpt-{step}", model="local/smollm2", model_order=order,
                    step=step, suite=SUITE, variant_id=v.id, variant_family=v.family,
                    variant_hash=v.hash, epoch=epoch, prompt=v.text, answer=f"{p:.0%}",
                    parsed_answer=parsed, outcome=outcome, labels=labels, error=error,
                ))  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = [v for v in load_variants() if v.id.endswith(("/direct-pct", "/unit"))]
    by_family: dict[str, list] = {}  # type: ignore[type-arg]
    for v in chosen:
        by_family.setdefault(v.family, []).append(v)
    variants = [v for group in by_family.values() for v in group[:10]]  # 5 transcripts x 2
    folder = tmp_path_factory.mktemp("probe")
    with Store(folder) as store:
        store.insert_samples(_rows(variants))
    return folder


def _section(run_dir: Path, figures: bool = True) -> str | None:
    options = ReportOptions(figures=figures)
    with open_context(run_dir, options=options, out_dir=run_dir, sections=[SECTION]) as ctx:
        return SECTION.render(ctx)


def test_metrics_per_checkpoint_separate_saying_from_telling(run_dir: Path) -> None:
    with Store(run_dir, read_only=True) as store:
        stats = collect_stats(store)
        metrics = probe_metrics(store, "r", stats.models, resamples=300)
        rows = store.query(
            "SELECT model_id, variant_id, variant_family, parsed_answer FROM samples"
        )
    assert [m.model.model_id for m in metrics] == ["ckpt-0", "ckpt-10", "ckpt-20"]
    per_model = 20 * 2 * 2  # 20 transcripts, 2 phrasings, 2 epochs
    for m in metrics:
        assert m.total == per_model
        assert m.unparseable == 20  # epoch 1 of every /unit variant
        assert m.n + m.unparseable + m.error == m.total
        assert m.n_transcripts == 20 and m.n_eval + m.n_deploy == m.n
        # The point AUC is the one computed straight from the stored rows.
        mine = [r for r in rows if r["model_id"] == m.model.model_id and r["parsed_answer"]]
        direct = auc(
            [float(r["parsed_answer"]) for r in mine],
            [r["variant_family"].startswith("eval") for r in mine],
        )
        assert m.auc == pytest.approx(direct)
        assert m.auc_ci is not None and m.auc_ci[0] <= (m.auc or 0) <= m.auc_ci[1]
        assert m.ece_ci is not None and m.brier_ci is not None
        assert sum(b.n for b in m.bins) == m.n
    first, said, told = metrics
    assert said.error == 0 and told.error == 1
    # Verbalized awareness rises at step 10 on both classes, with no gain in telling apart.
    assert first.says_eval_if_eval == 0 and first.says_eval_if_deploy == 0
    assert said.says_eval_if_eval == 1 and said.says_eval_if_deploy == 1
    assert said.auc is not None and 0.25 < said.auc < 0.75
    # At step 20 the model tells them apart: AUC 1, says-eval only on evaluations.
    assert told.auc == 1.0 and told.says_eval_if_deploy == 0 and told.says_eval_if_eval == 1
    assert (told.ece or 1) < (said.ece or 0)
    assert told.rules == {"percent": 59, "none": 20}


def test_section_renders_tables_figures_and_explains_the_distinction(run_dir: Path) -> None:
    html = _section(run_dir)
    assert html is not None
    assert "verbalizes" in html and "ability to tell" in html
    assert html.count("<tr>") >= 3 + 3 + 3  # main table, phrasing table, rules table
    assert re.search(
        r"ckpt-20</td><td[^>]*>20</td><td[^>]*>59</td><td[^>]*>20</td><td[^>]*>1</td>", html
    )
    assert "1.00 [1.00, 1.00]" in html  # AUC at step 20
    figures = sorted(p.name for p in (run_dir / "figures").glob("*.svg"))
    assert figures == [f"{SUITE}-reliability.svg", f"{SUITE}-trend.svg"]
    assert "Reliability table: ckpt-0" in html


def test_section_is_none_without_the_suite(tmp_path: Path) -> None:
    row = SampleRow(
        run="r", model_id="m", model="x", suite="reward_hints", variant_id="base",
        variant_family="base", variant_hash="h", epoch=0, prompt="p", outcome="other",
    )  # fmt: skip
    with Store(tmp_path) as store:
        store.insert_samples([row])
    assert _section(tmp_path) is None


def test_full_report_includes_the_section(run_dir: Path) -> None:
    out = build_report(run_dir, options=ReportOptions(figures=False, max_transcripts=20))
    page = out.read_text(encoding="utf-8")
    assert 'id="eval-awareness-probe"' in page and "Evaluation-awareness probe" in page


def test_registered_and_renders_the_same_from_stored_results(run_dir: Path) -> None:
    (registered,) = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == SECTION.key]
    assert registered.load() is SECTION
    computed = _section(run_dir, figures=False)
    analyse_run(run_dir)  # stores the suite's result; the section then decodes it
    with open_context(run_dir, sections=[]) as ctx:
        assert f"suite:{SUITE}" in ctx.results.stored
    assert _section(run_dir, figures=False) == computed
