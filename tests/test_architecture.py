"""The package's layers (docs/architecture.md) hold, and only the store writes the database.

The layers are import-linter's contracts in pyproject.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_only_the_store_writes_the_database() -> None:
    """Every table's schema and every write path live in `store/` (docs/architecture.md)."""
    writes = re.compile(r"CREATE TABLE|INSERT INTO|DELETE FROM|ON CONFLICT")
    package = ROOT / "src" / "cotscope"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if package / "store" not in path.parents
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if writes.search(line)
    ]
    assert not found, "database writes outside cotscope.store:\n" + "\n".join(found)


def _lines_matching(pattern: re.Pattern[str], exempt: tuple[Path, ...]) -> list[str]:
    package = ROOT / "src" / "cotscope"
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if not any(folder in path.parents for folder in exempt)
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]


def test_only_the_store_runs_sql() -> None:
    """Measures and the report read through the store's typed queries, never SQL."""
    sql = re.compile(r"FROM samples|JOIN samples|\.execute\(|\.query\(|\.sql\(")
    found = _lines_matching(sql, (ROOT / "src" / "cotscope" / "store",))
    assert not found, "SQL outside cotscope.store:\n" + "\n".join(found)


def test_the_report_escapes_only_through_markupsafe_and_templates() -> None:
    """No hand-written escaping or HTML strings in report/: templates hold the HTML."""
    report = ROOT / "src" / "cotscope" / "report"
    hand_made = re.compile(r"html\.escape|import html\b|Markup\(f[\"']|\+ *[\"']<[a-z]")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(report.rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if hand_made.search(line)
    ]
    assert not found, "hand-made HTML in report/:\n" + "\n".join(found)
    templates = list((report / "templates").rglob("*.j2"))
    assert len(templates) >= 13
    assert not any("|safe" in t.read_text() or "| safe" in t.read_text() for t in templates)


def test_no_module_is_much_over_400_lines() -> None:
    """A module is read in one sitting: about 400 lines at most (a few over are allowed)."""
    long = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in sorted((ROOT / "src" / "cotscope").rglob("*.py"))
        if (n := len(path.read_text("utf-8").splitlines())) > 420
    ]
    assert not long, "modules to split:\n" + "\n".join(long)
