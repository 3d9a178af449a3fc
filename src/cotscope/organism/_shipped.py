"""Where the shipped organism checkpoints live, in a checkout and in an installed package.

The adapters of each reference run are stored inside the package, under
`cotscope/organism/checkpoints/<organism>/` (`leaky-grader`, `reasoning`), so the same
relative path serves a source checkout (`src/cotscope/...`) and an installed wheel
(where they are package data). `COTSCOPE_ORGANISM_DIR` overrides both, e.g. to point
the demo at a run of your own.
"""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_NAME = "leaky-grader"
"""The default organism (the first one shipped)."""
ORGANISMS = ("leaky-grader", "reasoning")
"""The organisms cotscope ships."""
ENV_VAR = "COTSCOPE_ORGANISM_DIR"


class OrganismNotFoundError(FileNotFoundError):
    """No folder of organism checkpoints could be found."""


def _has_checkpoints(folder: Path) -> bool:
    if (folder / "organism.json").is_file():  # the reasoning organism's manifest
        return True
    return any((p / "adapter_config.json").is_file() for p in folder.glob("checkpoint-*"))


def shipped_organism_dir(name: str = SHIPPED_NAME) -> Path:
    """The folder of an organism's shipped checkpoints.

    Looked up in this order: `$COTSCOPE_ORGANISM_DIR`; the package's own
    `checkpoints/<name>/` (source checkout or installed package data); a
    repository-level `organisms/<name>/` beside `src/` (where `cotscope organism
    train` writes by default).

    Args:
        name: `leaky-grader` or `reasoning`.

    Returns:
        The folder, holding `checkpoint-<step>` adapters (and, for the reasoning
        organism, the `organism.json` manifest that lists them).

    Raises:
        OrganismNotFoundError: if no candidate holds any checkpoint.
    """
    here = Path(__file__).resolve().parent
    candidates: list[Path] = []
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        candidates.append(Path(explicit).expanduser())
    candidates.append(here / "checkpoints" / name)
    candidates.append(here.parents[2] / "organisms" / name)
    for folder in candidates:
        if folder.is_dir() and _has_checkpoints(folder):
            return folder.resolve()
    tried = ", ".join(str(c) for c in candidates)
    recipe = "" if name == SHIPPED_NAME else f" --recipe {name}"
    raise OrganismNotFoundError(
        f"No {name} checkpoints found (tried {tried}). Train them with "
        f"`cotscope organism train{recipe} --out organisms/{name}`, or set "
        f"{ENV_VAR} to a folder of checkpoint-<step> adapters."
    )
