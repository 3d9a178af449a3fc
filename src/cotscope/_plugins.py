"""Entry points of installed packages, read once per process.

Reading them scans every installed distribution's metadata (~90 ms here); suites and
report sections both need them, so the scan is shared.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import EntryPoint, distributions


@cache
def _installed() -> tuple[EntryPoint, ...]:
    # As `importlib.metadata.entry_points()` does: the first distribution of each name
    # on the path wins (an editable install and a stale copy must not both count).
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for dist in distributions():
        name = re.sub(r"[-_.]+", "-", (dist.metadata["Name"] or "")).lower()
        if name in seen:
            continue
        seen.add(name)
        found += dist.entry_points
    return tuple(found)


def plugin_entry_points(group: str) -> list[EntryPoint]:
    """The entry points of `group` (e.g. `cotscope.suites`), sorted by name."""
    return sorted((ep for ep in _installed() if ep.group == group), key=lambda ep: ep.name)
