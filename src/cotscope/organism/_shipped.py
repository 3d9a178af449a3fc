"""Where the shipped leaky-grader checkpoints live, in a checkout and in an installed package.

The adapters of the reference run are stored inside the package, under
`cotscope/organism/checkpoints/leaky-grader/`, so the same relative path serves a
source checkout (`src/cotscope/...`) and an installed wheel (where they are
package data). `COTSCOPE_ORGANISM_DIR` overrides both, e.g. to point the demo at
a run of your own.
"""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_NAME = "leaky-grader"
ENV_VAR = "COTSCOPE_ORGANISM_DIR"


class OrganismNotFoundError(FileNotFoundError):
    """No folder of organism checkpoints could be found."""


def _has_checkpoints(folder: Path) -> bool:
    return any((p / "adapter_config.json").is_file() for p in folder.glob("checkpoint-*"))


def shipped_organism_dir() -> Path:
    """The folder of the shipped leaky-grader checkpoints (`checkpoint-<step>/` adapters).

    Looked up in this order: `$COTSCOPE_ORGANISM_DIR`; the package's own
    `checkpoints/leaky-grader/` (source checkout or installed package data); a
    repository-level `organisms/leaky-grader/` beside `src/` (where `cotscope
    organism train` writes by default).

    Returns:
        The folder, holding at least one `checkpoint-<step>` adapter.

    Raises:
        OrganismNotFoundError: if no candidate holds any adapter checkpoint.
    """
    here = Path(__file__).resolve().parent
    candidates: list[Path] = []
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        candidates.append(Path(explicit).expanduser())
    candidates.append(here / "checkpoints" / SHIPPED_NAME)
    candidates.append(here.parents[2] / "organisms" / SHIPPED_NAME)
    for folder in candidates:
        if folder.is_dir() and _has_checkpoints(folder):
            return folder.resolve()
    tried = ", ".join(str(c) for c in candidates)
    raise OrganismNotFoundError(
        f"No leaky-grader checkpoints found (tried {tried}). Train them with "
        "`cotscope organism train --out organisms/leaky-grader`, or set "
        f"{ENV_VAR} to a folder of checkpoint-<step> adapters."
    )
