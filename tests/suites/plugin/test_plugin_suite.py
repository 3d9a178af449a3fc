"""A suite from outside cotscope, installed as a package, runs end to end on the real model.

`tiny_suite_pkg/` is a complete third-party suite package (pyproject with a
`cotscope.suites` entry point, variants as data, declared outcomes, an Inspect
task, and a report section registered under `cotscope.report_sections` with its
own template as package data). It is installed into a scratch folder and found by a
fresh `cotscope` process through that folder on PYTHONPATH: nothing in cotscope
names it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

PACKAGE = Path(__file__).parent / "tiny_suite_pkg"
COTSCOPE = Path(sys.executable).with_name("cotscope")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("plugin")
    source = work / "src"
    shutil.copytree(PACKAGE, source)  # the build writes into its source folder
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return target


def _cotscope(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [str(COTSCOPE), *args], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_an_installed_suite_is_listed_with_its_outcome_definitions(site: Path) -> None:
    listing = _cotscope(site, "suites").stdout
    assert "tiny_yesno" in listing and "reward_hints" in listing
    shown = _cotscope(site, "suites", "--show", "tiny_yesno").stdout
    assert "The first yes/no word of the answer is yes." in shown
    assert "behaviour of interest" in shown
    assert "true-fact (2), false-fact (2)" in shown


def test_an_installed_suite_runs_is_analysed_and_reported(site: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    _cotscope(
        site, "run", "--suite", "tiny_yesno", "--model", "local/smollm2", "--epochs", "3",
        "--max-tokens", "12", "--temperature", "0.7", "-o", str(run), "--display", "none",
    )  # fmt: skip
    stats = json.loads(_cotscope(site, "stats", str(run), "--json").stdout)
    measures = stats["measures"]["tiny_yesno"]
    assert measures and set(measures) <= {"says-yes", "says-no"}
    assert measures == sorted(measures, key=["says-yes", "says-no"].index)  # declared order
    rates = [r for r in stats["rates"] if r["suite"] == "tiny_yesno" and r["level"] == "suite"]
    assert rates and all(r["total"] == 12 for r in rates), rates
    # Its own analysis, stored by `cotscope analyse` and printed with every result.
    cells = stats["results"]["suite:tiny_yesno"]["result"]["cells"]
    assert {c["family"] for c in cells} == {"true-fact", "false-fact"}
    assert all(0 <= c["correct"] <= c["n"] <= 6 for c in cells), cells
    page = (run / "report.html").read_text()
    assert "Tiny yes/no suite" in page and 'class="tiny-counts"' in page  # its own section
    # Registered by its own entry point, drawn with its own template and cotscope's macros.
    ours = page.split('<section id="tiny-yesno">', 1)[1].split("</section>", 1)[0]
    assert '<div class="scroll"><table><thead><tr><th>checkpoint</th>' in ours
    assert "<h3>Accuracy</h3>" in ours and "true-fact" in ours  # from the stored analysis
    assert "The first yes/no word of the answer is yes." in page  # the Outcomes section
