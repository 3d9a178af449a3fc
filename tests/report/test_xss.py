"""Model text is untrusted: payloads in every text field render inert in real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cotscope.report import ReportOptions, build_report
from cotscope.store import SampleRow, Store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="needs Debian's chromium (make setup installs it)",
)

SENTINEL = "document.documentElement.setAttribute('data-pwned', 'yes')"
PAYLOADS = {
    "script": f"<script>{SENTINEL}</script>",
    "textarea": f"</textarea></pre></article><script>{SENTINEL}</script><textarea>",
    "img": f'<img src=x onerror="{SENTINEL}">',
    "link": f'<a id="jslink" href="javascript:{SENTINEL}">click me</a>',
    "svg": f'<svg onload="{SENTINEL}"></svg>',
    "style": "<style>body{display:none}</style>",
    "close-script": f"</script><script>{SENTINEL}</script>",
}


def _chromium_dom(page: Path, tmp: Path) -> str:
    assert CHROMIUM is not None, "chromium is required in CI"
    profile = tmp / f"profile-{page.stem}"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
    assert "<html" in out.stdout, out.stderr[-2000:]
    return out.stdout


def _pwned(dom: str) -> bool:
    opening = re.search(r"<html[^>]*>", dom)
    assert opening is not None
    return "data-pwned" in opening.group(0)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _hostile_store(run_dir: Path) -> None:
    rows = []
    for i, (name, payload) in enumerate(PAYLOADS.items()):
        rows.append(SampleRow(
            run="xss", model_id=f"m{payload}" if name == "svg" else "model-a", model="local/x",
            step=1 if name == "svg" else 0, suite="reward_hints", run_id=f"run{PAYLOADS['style']}",
            variant_id=f"v-{name}{payload if name == 'img' else ''}",
            variant_family=f"fam{payload}" if name == "script" else "family", variant_hash=f"h{i}",
            epoch=0, prompt=f"prompt {name}: {payload}", reasoning=f"reasoning {name}: {payload}",
            answer=f"answer {name}: {payload}", parsed_answer=payload,
            outcome="follows-hint" if i % 2 else f"other{payload}" if name == "link" else "other",
            error=payload if name == "close-script" else None,
        ))  # fmt: skip
    with Store(run_dir) as store:
        store.insert_samples(rows)
        store.upsert_variants([{"suite": "reward_hints", "variant_id": "v-script",
                                "variant_hash": "h0", "family": "family",
                                "text": PAYLOADS["script"]}])  # fmt: skip
        store.record_run("xss", {"name": PAYLOADS["textarea"], "seed": 1}, PAYLOADS["img"],
                         {"serving": PAYLOADS["svg"]})  # fmt: skip


def test_positive_control_detects_a_running_script(tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text(f"<!doctype html><html><body><script>{SENTINEL}</script></body></html>")
    assert _pwned(_chromium_dom(page, tmp_path))


def test_payloads_render_inert_in_chromium(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    _hostile_store(run_dir)
    report = build_report(run_dir, options=ReportOptions(figures=False))
    html_text = report.read_text()
    # Without the CSP too: escaping alone must keep every payload inert.
    bare = tmp_path / "no-csp.html"
    bare.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html_text))
    assert "Content-Security-Policy" not in bare.read_text()

    for page in (report, bare):
        dom = _chromium_dom(page, tmp_path)
        assert not _pwned(dom), f"a payload ran in {page.name}"
        # Our own script did run (so the absence of the sentinel means something).
        assert re.search(r'id="tx-status"[^>]*>showing 1', dom), "the report's script did not run"
        parser = _Elements()
        parser.feed(dom)
        scripts = [t for t, _ in parser.tags if t == "script"]
        assert len(scripts) == 1
        for tag, attributes in parser.tags:
            assert tag not in ("textarea", "svg", "style") or tag == "style" and not attributes
            assert not (tag == "img" and attributes.get("src") == "x")
            assert not any(a.startswith("on") for a in attributes), (tag, attributes)
            href = attributes.get("href") or ""
            assert not href.lower().startswith("javascript:"), (tag, attributes)
        assert sum(1 for t, _ in parser.tags if t == "style") == 1
        # Every payload is on the page as visible text.
        for payload in PAYLOADS.values():
            assert payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in dom
