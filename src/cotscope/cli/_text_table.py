"""Plain fixed-width tables for long command output.

rich measures and renders every cell as styled segments: about 0.2 s for the ~500
rows `cotscope stats` prints on a 20-checkpoint run, longer than reading the numbers
from the store. The long tables of `stats` are plain text instead, in rich's
`SIMPLE_HEAD` layout; short tables elsewhere keep rich.
"""

from __future__ import annotations

from collections.abc import Sequence


def text_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[str] = ()
) -> str:
    """The table as lines of text: title, header, rule, rows; `left` columns align left."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.ljust(w) if name in left else cell.rjust(w)
            for cell, name, w in zip(cells, columns, widths, strict=True)
        )
        return "  " + "   ".join(padded)

    header = line(columns)
    return "\n".join([title, "", header, " " + "─" * (len(header) - 1), *map(line, rows), ""])
