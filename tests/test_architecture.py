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


def test_only_the_store_writes_sql_over_samples() -> None:
    """Measures read samples through the store's typed queries (`cotscope.store._queries`)."""
    over_samples = re.compile(r"FROM samples|JOIN samples")
    package = ROOT / "src" / "cotscope"
    # report/ is being rewritten to render stored results only; its last reads of
    # samples move to the store with it, and then it leaves this list.
    exempt = (package / "store", package / "report")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if not any(folder in path.parents for folder in exempt)
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if over_samples.search(line)
    ]
    assert not found, "SQL over samples outside cotscope.store:\n" + "\n".join(found)
