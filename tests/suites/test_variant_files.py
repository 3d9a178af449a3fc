"""The shared golden-file and data-folder helpers every suite's variant tests use."""

import functools
import sys
from pathlib import Path

import pytest
from _variant_files import check_golden, data_dir, read_golden, write_golden

from cotscope.suites import Variant


def _v(vid: str, text: str, version: int = 1) -> Variant:
    return Variant(suite="s", id=vid, family="f", version=version, text=text)


def test_written_file_reads_back_and_passes(tmp_path: Path) -> None:
    golden = tmp_path / "g.txt"
    variants = [_v("a", "one"), _v("b", "two", 3)]
    write_golden(golden, variants, ["Title.", "", "More."])
    assert golden.read_text().splitlines()[:3] == ["# Title.", "#", "# More."]
    assert read_golden(golden) == {"a": (1, variants[0].hash), "b": (3, variants[1].hash)}
    check_golden(golden, variants)


def test_changed_added_and_removed_variants_fail(tmp_path: Path) -> None:
    golden = tmp_path / "g.txt"
    write_golden(golden, [_v("a", "one"), _v("b", "two")])
    with pytest.raises(AssertionError, match=r"changed: \['a'\]"):
        check_golden(golden, [_v("a", "ONE"), _v("b", "two")])
    with pytest.raises(AssertionError, match=r"added or removed: \['b', 'c'\]"):
        check_golden(golden, [_v("a", "one"), _v("c", "three")])


def test_update_refuses_a_change_without_a_version_bump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = tmp_path / "g.txt"
    write_golden(golden, [_v("a", "one")])
    monkeypatch.setenv("COTSCOPE_UPDATE_GOLDEN", "1")
    with pytest.raises(AssertionError, match=r"bump `version` of changed variants first: \['a'\]"):
        check_golden(golden, [_v("a", "ONE")])
    check_golden(golden, [_v("a", "ONE", version=2)], ["header"])
    assert read_golden(golden) == {"a": (2, _v("a", "ONE").hash)}
    assert golden.read_text().startswith("# header\n")


FOLDER = Path("/original")


@functools.cache
def _cached_folder() -> Path:
    return FOLDER


def test_data_dir_swaps_the_folder_and_restores_folder_and_cache(tmp_path: Path) -> None:
    module = sys.modules[__name__]
    assert _cached_folder() == Path("/original")
    with pytest.raises(RuntimeError), data_dir(module, "FOLDER", tmp_path, _cached_folder):
        assert _cached_folder() == tmp_path
        raise RuntimeError
    assert FOLDER == Path("/original") and _cached_folder() == Path("/original")
