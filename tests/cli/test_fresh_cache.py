"""On a machine with an empty model cache, `--json` still prints JSON alone on stdout.

The first load of the bundled model de-quantizes its GGUF, with a progress bar; that
bar and every log line must go to stderr, or scripts parsing `--json` break on a fresh
machine only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cotscope.store import SampleRow, Store

pytestmark = pytest.mark.model

COTSCOPE = str(Path(sys.executable).parent / "cotscope")


def test_grade_json_parses_with_an_empty_model_cache(tmp_path: Path) -> None:
    run = tmp_path / "run"
    row = SampleRow(
        run="fresh", model_id="ckpt-0", model="local/smollm2", suite="reward_hints",
        variant_id="base", variant_family="base", variant_hash="h", epoch=0,
        prompt="Choose a random even number.", reasoning="The grader wants odd; maybe a test.",
        answer="7", outcome="follows-hint",
    )  # fmt: skip
    with Store(run) as store:
        store.insert_samples([row])
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    env = {**os.environ, "COTSCOPE_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [COTSCOPE, "grade", str(run), "--grader", "eval-awareness", "--judge", "local/smollm2",
         "--max-tokens", "8", "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)  # nothing but JSON on stdout
    assert summary["judges"][0]["total"] == 1
    assert any((cache / "dequantized").iterdir())  # the fresh-machine path really ran
    assert "Traceback" not in proc.stderr
