"""The terms section: data and figures for any renderer, and the registered HTML section."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from cotscope.report import ENTRY_POINT_GROUP, ReportOptions, open_context
from cotscope.report.sections.terms import SECTION, section_data
from cotscope.store import Store
from cotscope.terms import TermsOptions, analyse_terms
from terms._terms_data import PLANT, build_store, planted_checkpoints


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("planted"), planted_checkpoints())


def test_section_data_has_curves(planted_run: Path) -> None:
    with Store(planted_run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(track=[["reward"], ["test"]], kwic=1))
    (section,) = section_data(result)
    names = [name for name, _, _ in section.figures]
    assert names == ["terms-emergent-s", "terms-tracked-s"]
    emergent_fig = section.figures[0][1]
    assert [ax.get_title() for ax in emergent_fig.axes if ax.get_visible()] == [PLANT]


def test_section_renders_escaped_html(planted_run: Path, tmp_path: Path) -> None:
    (registered,) = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == "terms"]
    assert registered.load() is SECTION
    options = ReportOptions(figures=True)
    with open_context(planted_run, options=options, out_dir=tmp_path, sections=[SECTION]) as ctx:
        html = SECTION.render(ctx)
    assert html is not None
    assert "Emergent terms" in html and f"<mark>{PLANT}</mark>" in html
    assert (tmp_path / "figures" / "terms-emergent-s.svg").exists()
