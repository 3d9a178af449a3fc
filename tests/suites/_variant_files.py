"""Checks every suite's variant tests share: golden hash files and swapped data folders.

A golden file pins each variant's `<id> <version> <sha256>`, one a line, after
optional `#` comment lines. `check_golden` compares the loaded variants with it;
with `COTSCOPE_UPDATE_GOLDEN=1` it first rewrites the file, refusing any variant
whose hash changed while its `version` did not.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from cotscope.suites import Variant


def read_golden(path: Path) -> dict[str, tuple[int, str]]:
    """Variant id -> (version, hash) from a golden file, comment lines skipped."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            variant_id, version, digest = line.split()
            out[variant_id] = (int(version), digest)
    return out


def write_golden(path: Path, variants: Sequence[Variant], header: Sequence[str] = ()) -> None:
    """Write the golden file: `header` as `#` comment lines, then one line per variant."""
    comments = [f"# {h}" if h else "#" for h in header]
    body = [f"{v.id} {v.version} {v.hash}" for v in variants]
    path.write_text("\n".join([*comments, *body]) + "\n", encoding="utf-8")


def check_golden(path: Path, variants: Sequence[Variant], header: Sequence[str] = ()) -> None:
    """Assert the variants' versions and hashes are the golden file's (update it on request).

    Args:
        path: The suite's golden file.
        variants: Every variant of the suite.
        header: Comment lines written above the hashes when the file is regenerated.
    """
    current = {v.id: (v.version, v.hash) for v in variants}
    if os.environ.get("COTSCOPE_UPDATE_GOLDEN"):
        old = read_golden(path) if path.exists() else {}
        unbumped = [
            i for i, vh in current.items() if i in old and old[i] != vh and old[i][0] == vh[0]
        ]
        assert not unbumped, f"bump `version` of changed variants first: {unbumped}"
        write_golden(path, variants, header)
    golden = read_golden(path)
    changed = sorted(i for i in current if i in golden and golden[i] != current[i])
    assert not changed, (
        f"variant text or scoring changed: {changed[:10]}. If on purpose, bump `version` and "
        f"regenerate {path.name} with COTSCOPE_UPDATE_GOLDEN=1 (see the test file's docstring)."
    )
    added_or_removed = sorted(set(golden) ^ set(current))
    assert not added_or_removed, (
        f"variants added or removed: {added_or_removed[:10]}; regenerate {path.name}"
    )


@contextmanager
def data_dir(module: ModuleType, attr: str, path: Path, cached: Any) -> Iterator[None]:
    """Point a suite's loader at another data folder for the duration of a test.

    Args:
        module: The module holding the folder constant (e.g. the suite's `_variants`).
        attr: The constant's name (e.g. `DATA_DIR`).
        path: The folder to load from instead.
        cached: The `functools.cache`d loader whose cache must not leak either way.
    """
    clear: Callable[[], None] = cached.cache_clear
    saved = getattr(module, attr)
    setattr(module, attr, path)
    clear()
    try:
        yield
    finally:
        setattr(module, attr, saved)
        clear()
