"""Puts this folder on `sys.path` so every suite's tests can import `_variant_files`.

The per-suite test folders are not packages (pytest's default `prepend` import
mode puts each test file's own folder on the path, not its parent's).
"""

import sys
from pathlib import Path

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
