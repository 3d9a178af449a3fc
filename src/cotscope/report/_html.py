"""HTML building blocks. Everything that is not `Markup` is escaped on the way in.

Model text is untrusted: it reaches the page only through `esc` (or `Markup`
built by these helpers), never by string concatenation.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class Markup(str):
    """A string that is already safe HTML."""

    __slots__ = ()


def esc(value: object) -> Markup:
    """Escape any value for HTML text or a quoted attribute (Markup passes through)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    if isinstance(value, int | float):  # bool is an int too; none needs escaping
        return Markup(str(value))
    return Markup(html.escape(str(value), quote=True))


def join(parts: Iterable[object], sep: str = "") -> Markup:
    """Concatenate parts, escaping those that are not Markup."""
    return Markup(esc(sep).join(esc(p) for p in parts))


def attrs(values: Mapping[str, object]) -> Markup:
    """` name="value"` pairs; None values are dropped, True gives a bare attribute."""
    out = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        out.append(f" {esc(name)}" if value is True else f' {esc(name)}="{esc(value)}"')
    return Markup("".join(out))


_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "col", "wbr"})


def el(tag: str, *children: object, **attributes: object) -> Markup:
    """An element; `class_` stands for `class`, `data_x` for `data-x`."""
    names = {k.rstrip("_").replace("_", "-"): v for k, v in attributes.items()}
    if tag in _VOID:
        return Markup(f"<{tag}{attrs(names)}>")
    return Markup(f"<{tag}{attrs(names)}>{join(children)}</{tag}>")


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
    """Indented JSON text (to be escaped by the caller like any text)."""
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def table(
    head: Sequence[object],
    rows: Iterable[Sequence[Any]],
    sortable: bool = False,
    numeric: set[int] | None = None,
) -> Markup:
    """A scrollable table; `(shown, sort value)` cells sort by value, `numeric` right-aligned."""
    numeric = numeric or set()
    ths = [el("th", h, class_="num" if i in numeric else None) for i, h in enumerate(head)]
    trs = []
    for row in rows:
        tds = []
        for i, cell in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            if isinstance(cell, tuple):  # (shown, sort value)
                tds.append(f'<td data-v="{esc(cell[1])}"{cls}>{esc(cell[0])}</td>')
            else:
                tds.append(f"<td{cls}>{esc(cell)}</td>")
        trs.append(Markup(f"<tr>{''.join(tds)}</tr>"))
    table = el(
        "table",
        el("thead", el("tr", *ths)),
        el("tbody", *trs),
        class_="sortable" if sortable else None,
    )
    return el("div", table, class_="scroll")
