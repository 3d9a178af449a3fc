"""Write tests/golden/golden.json: what stats and the report say about the golden runs.

Run from the repository root, after a change meant to alter the numbers:

    .venv/bin/python tests/golden/make_golden.py

Every run is built twice, and only what both builds agree on is kept. Commit the
diff of golden.json with the change that explains it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _runs import agree, build_ingest, build_sweep, snapshot  # noqa: E402

GOLDEN = Path(__file__).parent / "golden.json"


def main() -> None:
    builds = []
    for attempt in range(2):
        root = Path(tempfile.mkdtemp(prefix=f"golden{attempt}-"))
        builds.append(
            {
                "sweep": snapshot(build_sweep(root / "sweep")),
                "ingest": snapshot(build_ingest(root / "ingest")),
            }
        )
        print(f"build {attempt + 1} of 2 in {root}", file=sys.stderr)
    kept = agree(builds[0], builds[1])
    GOLDEN.write_text(json.dumps(kept, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(GOLDEN, file=sys.stderr)


if __name__ == "__main__":
    main()
