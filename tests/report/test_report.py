"""The report on a synthetic store and on real transcripts; the CLI's three commands."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from stores import THOUGHT_BRANCHES, synthetic_store, thought_branches_store
from typer.testing import CliRunner

from cotscope.cli import app
from cotscope.report import (
    Markup,
    ReportContext,
    ReportOptions,
    ReportSection,
    Span,
    build_report,
    highlight,
    registered_sections,
)
from cotscope.stats import collect_stats, compare_models
from cotscope.store import SampleRow, Store

runner = CliRunner()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("synthetic")
    # One variant of the last checkpoint answers nothing parseable: its rate is "no data".
    broken = [
        SampleRow(run="synthetic", model_id="ckpt-300", model="local/smollm2", model_order=3,
                  step=300, suite="reward_hints", variant_id="broken", variant_family="broken",
                  variant_hash="b" * 64, epoch=e, prompt="p", answer="no idea",
                  outcome="unparseable")
        for e in range(3)
    ]  # fmt: skip
    return synthetic_store(run_dir, extra=broken)


def _no_external_resources(html_text: str) -> None:
    assert "<link" not in html_text
    assert not re.search(r'(src|href)="(https?:)?//', html_text)
    assert "@import" not in html_text
    for url in re.findall(r'src="([^"]*)"', html_text):
        assert url.startswith("data:image/svg+xml;base64,"), url


def test_report_on_synthetic_store(synthetic: Path) -> None:
    path = build_report(synthetic)
    assert path == synthetic / "report.html"
    text = path.read_text()
    assert path.stat().st_size < 20_000_000
    _no_external_resources(text)
    assert sorted(p.name for p in (synthetic / "figures").glob("rate-*.svg")) == [
        "rate-reward_hints-follows-hint.svg",
        "rate-reward_hints-follows-instruction.svg",
    ]
    # Other sections (terms, graders, interventions) add their own, prefixed figures.
    others = {p.name.split("-")[0] for p in (synthetic / "figures").glob("*.svg")} - {"rate"}
    assert others <= {"terms", "graders", "interventions"}
    for heading in ("Run", "Measures across checkpoints", "Per-variant rates", "Transcripts"):
        assert f">{heading}</h2>" in text
    assert "spec-hash-0" in text and "generation.seed = 0" in text and "packages.inspect-ai" in text
    assert "First significant rise above step 0" in text
    assert "family broken</strong>: no data" in text
    page = text[: text.index("<script>")]
    assert "NaN" not in page and "nan%" not in page
    stats = collect_stats(Store(synthetic, read_only=True))
    # Every family row's rate printed in the table is the one stats computed.
    row = next(r for r in stats.rates if r.level == "family" and r.family == "field"
               and r.model_id == "ckpt-300" and r.measure == "follows-hint")  # fmt: skip
    assert f"{100 * (row.rate or 0):.1f}%" in text


def test_transcripts_are_sampled_and_cut(synthetic: Path, tmp_path: Path) -> None:
    total = Store(synthetic, read_only=True).count()
    out = build_report(synthetic, options=ReportOptions(max_transcripts=25, figures=False))
    text = out.read_text()
    assert text.count('<article class="tx"') == 25
    assert f"25 of {total:,} transcripts are embedded" in text
    small = build_report(synthetic, options=ReportOptions(max_chars=10, figures=False)).read_text()
    assert "more characters in the store]" in small


def test_report_on_real_thought_branches(tmp_path: Path) -> None:
    if not THOUGHT_BRANCHES.exists():
        pytest.skip("shared/data is not beside the repository")
    run_dir = thought_branches_store(tmp_path / "tb")
    text = build_report(run_dir).read_text()
    _no_external_resources(text)
    assert text.count('<article class="tx"') == 82
    assert "Stanford Professor with an IQ of 130" in text  # the real prompt, escaped as text
    assert "x axis</dt><dd>model order" in text
    stats = collect_stats(Store(run_dir, read_only=True))
    assert stats.measures == {"leaked_key": ["true"]}
    suite_rows = {r.model_id: r for r in stats.rates if r.level == "suite"}
    assert suite_rows["no-hint"].rate == 0.0 and suite_rows["professor-hint"].rate == 1.0
    assert suite_rows["professor-hint"].n == 41


def test_stats_json_and_compare_give_the_same_numbers(tmp_path: Path) -> None:
    if not THOUGHT_BRANCHES.exists():
        pytest.skip("shared/data is not beside the repository")
    run_dir = thought_branches_store(tmp_path / "tb")
    result = runner.invoke(app, ["stats", str(run_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "cotscope.stats/1" and data["x_axis"] == "model_order"
    required = {"model_id", "step", "suite", "variant", "measure", "n", "k", "rate", "ci_low",
                "ci_high", "unparseable"}  # fmt: skip
    assert all(required <= set(r) for r in data["rates"])
    suite = {r["model_id"]: r for r in data["rates"] if r["level"] == "suite"}
    result = runner.invoke(app, ["compare", str(run_dir), "no-hint", "professor-hint", "--json"])
    assert result.exit_code == 0, result.output
    comp = next(c for c in json.loads(result.stdout) if c["family"] is None)
    assert comp["design"] == "paired" and comp["n_a"] == 41
    assert comp["rate_a"] == suite["no-hint"]["rate"] and comp["k_a"] == suite["no-hint"]["k"]
    assert comp["rate_b"] == suite["professor-hint"]["rate"]
    assert comp["difference"] == 1.0 and comp["p_value"] < 1e-9 and comp["ci_low"] > 0.5


def test_cli_report_stats_compare(synthetic: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", str(synthetic), "--no-figures", "--max-transcripts", "5"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(synthetic / "report.html")
    result = runner.invoke(app, ["stats", str(synthetic)])
    assert result.exit_code == 0 and "reward_hints: follows-hint" in result.output
    result = runner.invoke(app, ["compare", str(synthetic), "ckpt-0", "ckpt-300"])
    assert result.exit_code == 0 and "paired" in result.output
    rows = compare_models(Store(synthetic, read_only=True), "ckpt-0", "ckpt-300")
    assert all(r.comparison.design == "paired" for r in rows)
    bad = runner.invoke(app, ["compare", str(synthetic), "ckpt-0", "nope"])
    assert bad.exit_code == 2 and "no model 'nope'" in bad.output
    missing = runner.invoke(app, ["stats", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and missing.stderr.startswith("error: ")


def test_sections_and_spans_extend_the_report(synthetic: Path) -> None:
    def extra(ctx: ReportContext) -> Markup | None:
        return Markup("<p>{}</p>").format(f"{len(ctx.stats.models)} models <b>escaped</b>")

    def odd_words(ctx: ReportContext, uids: Sequence[str]) -> list[tuple[str, Span]]:
        return [(uid, Span("reasoning", 4, 10, "grader<seeking>", "why")) for uid in uids[:3]]

    section = ReportSection("extra", "An added measure", 40, render=extra, spans=odd_words)
    options = ReportOptions(figures=False)
    text = build_report(synthetic, options=options, extra_sections=[section]).read_text()
    assert 'id="extra"><h2>An added measure</h2><p>4 models &lt;b&gt;escaped&lt;/b&gt;</p>' in text
    assert text.index('id="variants"') < text.index('id="extra"') < text.index('id="transcripts"')
    assert text.count('<mark class="span" title="grader&lt;seeking&gt;: why"') == 3


def test_highlight_escapes_clips_and_cuts() -> None:
    spans = [Span("answer", 0, 3, "a"), Span("answer", 2, 6, "b"), Span("answer", 50, 60, "c")]
    out = highlight("<b>&x</b>", spans, limit=7)
    assert out == (
        '<mark class="span" title="a" data-label="a">&lt;b&gt;</mark>'
        '<mark class="span" title="b" data-label="b">&amp;x&lt;</mark>/'
        '<span class="cut">\n[… cut: 2 more characters in the store]</span>'
    )
    assert highlight("plain", []) == "plain"


def test_hostile_names_in_figures_and_file_names(tmp_path: Path) -> None:
    rows = [
        SampleRow(run="r", model_id=f"$\\alpha_{i}$ {{", model="m", model_order=i, label="$x",
                  suite="s/../..", variant_id="v", variant_family="$fam$ $", variant_hash="h",
                  epoch=e, prompt="p", outcome="../../evil$" if (e + i) % 2 else "ok")
        for i in range(2) for e in range(4)
    ]  # fmt: skip
    with Store(tmp_path / "run") as store:
        store.insert_samples(rows)
    build_report(tmp_path / "run", options=ReportOptions(max_table_rows=1))
    figures = sorted(p.name for p in (tmp_path / "run" / "figures").glob("rate-*"))
    assert len(figures) == 2 and all(name.startswith("rate-s_") for name in figures)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    text = (tmp_path / "run" / "report.html").read_text()
    assert "Showing the first 1 of 2 rows" in text


def test_loading_the_report_sections_does_not_import_inspect() -> None:
    """A report renders stored samples: Inspect (1.3 s to import) is not needed for it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cotscope.report import registered_sections\n"
        "registered_sections()\n"
        "print(sorted(m for m in sys.modules if m.startswith('inspect_ai'))[:3])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_builtin_section_is_registered_through_the_entry_point_group() -> None:
    keys = [s.key for s in registered_sections()]
    assert keys[:5] == ["summary", "run", "outcomes", "measures", "variants"]
    assert keys[-1] == "transcripts"
    assert {"graders", "terms", "interventions", "covert_actions"} <= set(keys)
