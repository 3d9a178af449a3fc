"""The golden runs: a small seeded sweep of two suites on the real bundled model, and an
ingested real run, each reduced to what `stats --json` and the report say about it.

A snapshot keeps only what is reproducible: `make_golden.py` builds every run twice
and keeps the JSON leaves and report numbers on which the two builds agree, so run
times, dates and paths drop out without a list of them to maintain.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from cotscope.cli._app import app
from cotscope.organism import shipped_organism_dir

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "reasoning-under-pressure"

_NUMBER = re.compile(r"[-−+]?\d[\d,]*(?:\.\d+)?%?")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    if result.exit_code != 0:
        raise AssertionError(f"cotscope {' '.join(args)} failed:\n{result.output}")
    return str(result.stdout)


def build_sweep(run_dir: Path) -> Path:
    """Two checkpoints (base and the last shipped leaky-grader adapter), two suites."""
    last = max(shipped_organism_dir().glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    step = int(last.name.split("-")[1])
    spec = {
        "name": "golden",
        "models": [
            {"id": "base", "model": "local/smollm2", "step": 0},
            {
                "id": f"step-{step}",
                "model": "local/smollm2",
                "step": step,
                "model_args": {"adapter": str(last)},
            },
        ],  # fmt: skip
        "suites": [
            {"name": "reward_hints", "variants": ["base", "control"], "epochs": 3},
            {
                "name": "eval_awareness_probe",
                "epochs": 2,
                "variants": [
                    f"{scenario}/{form}"
                    for scenario in ("ec-mcq-chemistry", "dc-recipe-substitute")
                    for form in ("direct-pct", "unit", "reviewer-pct", "self-unit")
                ],
            },  # fmt: skip
        ],
        "generation": {"temperature": 0.7, "top_p": 0.9, "max_tokens": 32, "seed": 0},
        "output_dir": str(run_dir),
    }
    spec_file = run_dir.parent / f"{run_dir.name}.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    _cli("run", str(spec_file), "--display", "none", "--no-report")
    return run_dir


def build_ingest(run_dir: Path) -> Path:
    """The two real validation dumps of reasoning-under-pressure, two outcomes, graded."""
    _cli(
        "ingest", str(DATA / "300.jsonl"), str(DATA / "340.jsonl"), "-o", str(run_dir),
        "--map", "step=step", "--map", "prompt=input", "--map", "answer=output",
        "--map", "outcome=monitor_correctness", "--map", "outcome=all_correct",
    )  # fmt: skip
    # Two suites in one run: the graded action rate must not pool their outcomes.
    _cli("grade", str(run_dir), "--grader", "grader-seeking", "--lexical")
    return run_dir


# Sections whose numbers are not findings: the run's metadata (times, versions, paths)
# and the embedded transcripts (the prompts' and answers' own numbers).
SKIPPED_SECTIONS = ("run", "transcripts")


class _Text(HTMLParser):
    """Visible text of the page's sections, less scripts, styles and the skipped sections."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._code = 0
        self._sections: list[bool] = []  # per open <section>: skipped?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._code += 1
        elif tag == "section":
            skipped = dict(attrs).get("id") in SKIPPED_SECTIONS and not self._sections
            self._sections.append(skipped or any(self._sections))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._code:
            self._code -= 1
        elif tag == "section" and self._sections:
            self._sections.pop()

    def handle_data(self, data: str) -> None:
        # Outside every section is the page's header: its date, version and path.
        if not self._code and self._sections and not any(self._sections):
            self.parts.append(data)


def report_numbers(run_dir: Path) -> Counter[str]:
    """Every number in the report's findings, with how often it appears."""
    return Counter(_NUMBER.findall(_report_text(run_dir)))


def _report_text(run_dir: Path) -> str:
    path = run_dir / "report.html"
    if not path.exists():
        path = Path(_cli("report", str(run_dir), "--no-figures").strip().splitlines()[-1])
    parser = _Text()
    parser.feed(path.read_text())
    return " ".join(parser.parts)


_WHOLE_NUMBER = re.compile(r"(?<![\w.])" + _NUMBER.pattern + r"(?![\w])")
"""A number that is not part of a word (a hash, an id such as `step-48`)."""


def snapshot(run_dir: Path) -> dict[str, Any]:
    """What `stats --json` and the report say about a run."""
    stats = json.loads(_cli("stats", str(run_dir), "--json"))
    (run_dir / "report.html").unlink(missing_ok=True)
    numbers = dict(report_numbers(run_dir))
    whole = sorted(set(_WHOLE_NUMBER.findall(_report_text(run_dir))))
    # The report stored every result (it runs `analyse`): now `stats --json` prints them.
    analysed = json.loads(_cli("stats", str(run_dir), "--json"))
    return {
        "stats": stats,
        "report_numbers": numbers,
        "analysed_stats": analysed,
        "report_whole_numbers": whole,
    }


def agree(a: Any, b: Any) -> Any:
    """The part of two snapshots on which they agree (None where nothing does)."""
    if isinstance(a, dict) and isinstance(b, dict):
        kept = {k: agree(a[k], b[k]) for k in a if k in b}
        return {k: v for k, v in kept.items() if v is not _MISSING}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [agree(x, y) for x, y in zip(a, b, strict=True)]
    if isinstance(a, float | int) and isinstance(b, float | int):
        return a if _close(a, b) else _MISSING
    return a if a == b else _MISSING


_MISSING: Any = object()


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def contained(golden: Any, now: Any, where: str = "$") -> list[str]:
    """Where `now` lost or changed something `golden` holds (additions are allowed).

    Lists match element by element in order when they have the golden's length, else
    each golden element must be contained in some distinct element of `now`.
    """
    if isinstance(golden, dict):
        if not isinstance(now, dict):
            return [f"{where}: was an object, now {type(now).__name__}"]
        out: list[str] = []
        for k, v in golden.items():
            if k not in now:
                out.append(f"{where}.{k}: missing")
            else:
                out += contained(v, now[k], f"{where}.{k}")
        return out
    if isinstance(golden, list):
        if not isinstance(now, list):
            return [f"{where}: was a list, now {type(now).__name__}"]
        if len(golden) == len(now):
            pairs = [
                contained(g, n, f"{where}[{i}]")
                for i, (g, n) in enumerate(zip(golden, now, strict=True))
            ]
            if not any(pairs):
                return []
        free = list(range(len(now)))
        out = []
        for i, g in enumerate(golden):
            match = next((j for j in free if not contained(g, now[j])), None)
            if match is None:
                out.append(f"{where}[{i}]: no element holds {json.dumps(g, default=str)[:300]}")
            else:
                free.remove(match)
        return out
    if isinstance(golden, bool) or not isinstance(golden, float | int):
        return [] if golden == now else [f"{where}: {golden!r} → {now!r}"]
    if isinstance(now, float | int) and not isinstance(now, bool) and _close(golden, now):
        return []
    return [f"{where}: {golden!r} → {now!r}"]


def numbers_kept(golden: dict[str, int], now: Counter[str] | dict[str, int]) -> list[str]:
    """Report numbers the golden page showed more often than the page now does."""
    return [f"{k}: {v} → {now.get(k, 0)}" for k, v in sorted(golden.items()) if now.get(k, 0) < v]


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _written(value: Any) -> set[str]:
    """The ways the report may write a value of `stats --json`."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {str(value), f"{value:,}"}
    if isinstance(value, float):
        if not math.isfinite(value):
            return set()
        out = {f"{100 * value:.{d}f}%" for d in (0, 1, 2)} | {f"{100 * value:.1f}"}
        out.add(f"{1000 * value:.2g}")  # a frequency per word shown per 1,000 words
        for spec in (".0f", ".1f", ".2f", ".3f", ".4f", ".2g", ".3g", ".4g", ",.0f"):
            out.add(format(value, spec))
        return out
    if isinstance(value, str):
        return set(_NUMBER.findall(value))  # numbers inside ids, names and sentences
    return set()


def _plain(token: str) -> str:
    return token.replace("−", "-").lstrip("+").rstrip(",")


def unexplained_numbers(report: list[str], stats: dict[str, Any]) -> list[str]:
    """Report numbers that no value of `stats --json` (results included) writes.

    Digits inside a hash or id the report shortens (`6154b75f2445` of a variant hash)
    count as written when the full text holds them.
    """
    leaves = list(_leaves(stats))
    known = {_plain(t) for v in leaves for t in _written(v)}
    texts = "\n".join(v for v in leaves if isinstance(v, str))
    return sorted(
        t
        for t in report
        if _plain(t) not in known
        and _plain(t) not in PROSE
        and not (len(t) >= 4 and t.isdigit() and t in texts)
    )


PROSE = frozenset({"95%", "80%", "0.05", "0.5", "1", "2", "3", "5", "10", "100", "1,000", "2008"})
"""Constants of the report's prose (coverage, power, α, "top 10", a citation's year)."""
