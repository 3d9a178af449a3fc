"""The report section: data and figures for any renderer, and the registered HTML section."""

from __future__ import annotations

from pathlib import Path

from conftest import PLANT
from cotscope.report import ReportContext, ReportOptions, registered_sections
from cotscope.store import Store
from cotscope.terms import TermsOptions, analyse_terms
from cotscope.terms._report import section_data, terms_section


def test_section_data_has_curves(planted_run: Path) -> None:
    with Store(planted_run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(track=[["reward"], ["test"]], kwic=1))
    (section,) = section_data(result)
    names = [name for name, _, _ in section.figures]
    assert names == ["terms-emergent-s", "terms-tracked-s"]
    emergent_fig = section.figures[0][1]
    assert [ax.get_title() for ax in emergent_fig.axes if ax.get_visible()] == [PLANT]


def test_section_renders_escaped_html(planted_run: Path, tmp_path: Path) -> None:
    assert "terms" in {s.key for s in registered_sections()}
    with Store(planted_run, read_only=True) as store:
        ctx = ReportContext(
            run_dir=planted_run,
            store=store,
            stats=None,  # type: ignore[arg-type]  # the section reads the store only
            options=ReportOptions(figures=True),
            figures_dir=tmp_path / "figures",
        )
        html = terms_section(ctx)
    assert html is not None
    assert "Emergent terms" in html and f"<mark>{PLANT}</mark>" in html
    assert (tmp_path / "figures" / "terms-emergent-s.png").exists()
