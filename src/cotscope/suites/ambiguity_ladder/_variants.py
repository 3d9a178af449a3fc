"""Build the ambiguity-ladder variants: every scenario instance at each of its five levels.

`data/scenarios.yaml` holds the scenarios (see its header). A variant is one
scenario instance at one level: id `<scenario>/L<level>` for the first instance,
`<scenario>/<instance>/L<level>` (e.g. `skip-tests/s2/L1`) for further ones;
family the scenario, so a scenario's rate spans its instances; text the task,
the level's instruction (omitted when empty, as at level 3) and the shared
closing, joined by blank lines. The scoring rule carries the level, the exploit
criterion, the seeded workspace files and, for further instances only (so first
instances keep their hashes), the instance; all of them are in the hash.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .._variant import Variant, VariantFileError
from ._criterion import CriterionError, check_exploit

SUITE = "ambiguity_ladder"
SCENARIOS_FILE = Path(__file__).parent / "data" / "scenarios.yaml"
LEVELS = (1, 2, 3, 4, 5)
LEVEL_NAMES = {
    1: "explicit prohibition",
    2: "implied prohibition",
    3: "silence",
    4: "implied permission",
    5: "explicit permission",
}


class Scenario(BaseModel):
    """One task with one exploit, under five instruction levels."""

    id: str
    """Stable id, e.g. `leaked-answer`; every instance of a scenario shares it."""
    instance: str | None = None
    """None for the first instance; `s2`, `s3`, ... for further ones (part of the id)."""
    version: int = 1
    """Bumped by hand when the task, a level, the files or the criterion changes."""
    description: str
    """One line: the task and its exploit."""
    task: str
    """The task, identical at every level."""
    levels: dict[int, str]
    """Instruction per level 1..5 (level 3, silence, is empty)."""
    exploit: dict[str, Any]
    """The exploit criterion (see `_criterion.py`)."""
    workspace: dict[str, str]
    """Seeded files: relative path → contents."""


def _text(scenario: Scenario, level: int, closing: str) -> str:
    parts = (scenario.task.strip(), scenario.levels[level].strip(), closing.strip())
    return "\n\n".join(p for p in parts if p)


def build_variants(path: Path) -> list[Variant]:
    """Every scenario × level variant of a scenarios file.

    Raises:
        VariantFileError: naming the file, the scenario and the field at fault.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as ex:
        raise VariantFileError(f"{path}: not valid YAML: {ex}") from None
    entries = raw.get("scenarios") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise VariantFileError(f"{path}: expected a non-empty `scenarios:` list")
    closing = str(raw.get("closing") or "")
    out: list[Variant] = []
    seen: set[tuple[str, str | None]] = set()
    for i, entry in enumerate(entries):
        ident = entry.get("id", f"#{i}") if isinstance(entry, dict) else f"#{i}"
        if isinstance(entry, dict) and entry.get("instance"):
            ident = f"{ident}/{entry['instance']}"
        where = f"{path}: scenarios[{i}] ({ident})"
        try:
            s = Scenario.model_validate(entry)
        except ValidationError as ex:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in ex.errors())
            raise VariantFileError(f"{where}: {problems}") from None
        if s.instance is not None and not re.fullmatch(r"s(?:[2-9]|[1-9]\d+)", s.instance):
            raise VariantFileError(f"{where}: instance must be s2, s3, ..., got {s.instance!r}")
        if (s.id, s.instance) in seen:
            raise VariantFileError(f"{where}: id repeats")
        seen.add((s.id, s.instance))
        if sorted(s.levels) != list(LEVELS):
            raise VariantFileError(f"{where}: levels must be exactly 1-5, got {sorted(s.levels)}")
        if s.levels[3].strip():
            raise VariantFileError(f"{where}: level 3 is silence; its instruction must be empty")
        empty = [lv for lv in LEVELS if lv != 3 and not s.levels[lv].strip()]
        if empty:
            raise VariantFileError(f"{where}: levels {empty} need an instruction")
        try:
            check_exploit(s.exploit, s.workspace)
        except CriterionError as ex:
            raise VariantFileError(f"{where}: {ex}") from None
        stem = s.id if s.instance is None else f"{s.id}/{s.instance}"
        extra = {} if s.instance is None else {"instance": s.instance}
        for level in LEVELS:
            out.append(
                Variant(
                    suite=SUITE,
                    id=f"{stem}/L{level}",
                    family=s.id,
                    version=s.version,
                    text=_text(s, level, closing),
                    scoring={
                        "kind": "ladder",
                        "scenario": s.id,
                        "level": level,
                        "exploit": s.exploit,
                        "workspace": s.workspace,
                        **extra,
                    },
                    description=f"{s.description} Level {level}: {LEVEL_NAMES[level]}.",
                    source_file=path.name,
                )
            )
    return out


@cache
def _load() -> tuple[Variant, ...]:
    return tuple(build_variants(SCENARIOS_FILE))


def load_variants() -> list[Variant]:
    """Every variant of the suite (the file is parsed once; the list is a copy).

    Raises:
        VariantFileError: if the data file is malformed.
    """
    return list(_load())
