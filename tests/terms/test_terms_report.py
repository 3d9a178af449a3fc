"""The report section: data and figures for any renderer, and the registered HTML section."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conftest import PLANT
from cotscope.report import ReportContext, ReportOptions, registered_sections
from cotscope.store import Store
from cotscope.terms import TermsOptions, analyse_terms


@pytest.fixture
def section_module() -> Iterator[ModuleType]:
    # Importing the module registers the section for every report built afterwards in
    # this process; restore the registry so other tests' reports stay as they expect.
    from cotscope.report import _sections

    saved = dict(_sections._SECTIONS)
    module = importlib.import_module("cotscope.terms._report")
    module.report_section("terms", "Unusual terminology", order=50)(module.terms_section)
    try:
        yield module
    finally:
        _sections._SECTIONS.clear()
        _sections._SECTIONS.update(saved)
        _sections._SECTIONS.pop("terms", None)


def test_section_data_has_curves(planted_run: Path, section_module: ModuleType) -> None:
    with Store(planted_run, read_only=True) as store:
        result = analyse_terms(store, TermsOptions(track=[["reward"], ["test"]], kwic=1))
    (section,) = section_module.section_data(result)
    names = [name for name, _, _ in section.figures]
    assert names == ["terms-emergent-s", "terms-tracked-s"]
    emergent_fig = section.figures[0][1]
    assert [ax.get_title() for ax in emergent_fig.axes if ax.get_visible()] == [PLANT]


def test_section_renders_escaped_html(
    planted_run: Path, tmp_path: Path, section_module: ModuleType
) -> None:
    assert "terms" in {s.key for s in registered_sections()}
    with Store(planted_run, read_only=True) as store:
        ctx = ReportContext(
            run_dir=planted_run,
            store=store,
            stats=None,  # type: ignore[arg-type]  # the section reads the store only
            options=ReportOptions(figures=True),
            figures_dir=tmp_path / "figures",
        )
        html = section_module.terms_section(ctx)
    assert html is not None
    assert "Emergent terms" in html and f"<mark>{PLANT}</mark>" in html
    assert (tmp_path / "figures" / "terms-emergent-s.png").exists()
