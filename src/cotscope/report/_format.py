"""How numbers and names are written in the report (plain text; templates escape it)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any


def pct(rate: float | None, digits: int = 1) -> str:
    """A rate as a percentage, or "no data"."""
    if rate is None or math.isnan(rate):
        return "no data"
    return f"{100 * rate:.{digits}f}%"


def interval(low: float | None, high: float | None, digits: int = 1) -> str:
    """An interval as "[a%, b%]", or an empty string without data."""
    if low is None or high is None:
        return ""
    return f"[{100 * low:.{digits}f}%, {100 * high:.{digits}f}%]"


def p_text(p: float | None) -> str:
    """A p-value for prose: "p = 0.013", "p < 0.0001", or "p n/a"."""
    if p is None:
        return "p n/a"
    if p < 1e-4:
        return "p < 0.0001"
    return f"p = {p:.2g}" if p < 0.01 else f"p = {p:.3f}"


def pretty_json(value: Any) -> str:
    """Indented JSON text (escaped by the template like any text)."""
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def slug(name: str) -> str:
    """A file-name-safe stem; names are data and may hold `/`, `..` or anything else."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:60] or "x"
    if safe != name:
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return safe


def steps(first: int | None, last: int | None) -> str:
    """A step range in words: `step 4` or `steps 4–9`."""
    return f"step {first}" if first == last else f"steps {first}–{last}"
