# ruff: noqa: E501
"""The page's stylesheet and script, inlined so the report needs no other file.

The script never writes HTML: it sorts rows, toggles `hidden` and sets
`textContent`. The page's Content-Security-Policy allows exactly this script
(by hash) and no other, as a second line of defence behind escaping.
"""

from __future__ import annotations

CSS = """
:root { --fg:#1b1b1b; --muted:#5f6368; --line:#d9d9d9; --bg:#fff; --soft:#f6f7f9;
        --accent:#0072B2; --hint:#D55E00; --ok:#009E73; --warn:#E69F00; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 80px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin-top: 40px;
  border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 16px; margin-top: 26px; }
.muted { color: var(--muted); } .small { font-size: 12px; }
.warning { border-left: 4px solid #c5221f; padding: 6px 10px; background: #fce8e6; }
nav.toc { font-size: 13px; margin: 10px 0 0; } nav.toc a { margin-right: 14px; }
a { color: var(--accent); }
table { border-collapse: collapse; font-size: 12.5px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
.scroll { max-height: 520px; overflow: auto; border: 1px solid var(--line); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 13px; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; word-break: break-all; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--soft); padding: 8px;
      border-radius: 4px; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; margin: 0; }
img.figure { max-width: 100%; height: auto; display: block; margin: 8px 0; }
p.finding { background: var(--soft); border-left: 3px solid var(--accent); padding: 6px 10px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11.5px;
         background: #eceff1; }
.badge.o-interest { background: #fbe3d4; color: #8a3300; }
.badge.o-other { background: #d5f0e6; color: #00563f; }
.badge.o-failure { background: #fff1c2; color: #6b4d00; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; padding: 8px;
            background: var(--soft); border-radius: 4px; position: sticky; top: 0; z-index: 2; }
.controls label { font-size: 12px; color: var(--muted); display: flex; flex-direction: column; }
.controls select, .controls input { font-size: 13px; max-width: 220px; }
article.tx { border: 1px solid var(--line); border-radius: 4px; margin: 10px 0; }
article.tx > header { padding: 5px 10px; background: var(--soft); font-size: 12.5px; }
.tx-cols { display: grid; grid-template-columns: 1fr 1.6fr 1fr; gap: 8px; padding: 8px; }
.tx-cols h4 { margin: 0 0 4px; font-size: 12px; color: var(--muted); font-weight: 600; }
.tx-cols pre { max-height: 420px; overflow: auto; }
.cut { color: var(--muted); font-style: italic; }
mark.span { background: #ffe9a8; border-bottom: 2px solid var(--warn); padding: 0; }
.no-marks mark.span { background: none; border: 0; }
@media (max-width: 900px) { .tx-cols { grid-template-columns: 1fr; } }
@media print { .controls, nav.toc { display: none; } .scroll { max-height: none; } }
"""

JS = """
(function () {
  "use strict";
  function cellValue(row, i) {
    var cell = row.cells[i];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent.trim() : v;
  }
  function sortTable(table, i, th) {
    var body = table.tBodies[0];
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, i), y = cellValue(b, i);
      var nx = parseFloat(x), ny = parseFloat(y);
      var cmp;
      if (x === "" && y !== "") { cmp = 1; } else if (y === "" && x !== "") { cmp = -1; }
      else if (!isNaN(nx) && !isNaN(ny) && String(nx) === x.trim() && String(ny) === y.trim()) {
        cmp = nx - ny;
      } else { cmp = x.localeCompare(y, undefined, {numeric: true}); }
      return asc ? cmp : -cmp;
    });
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    rows.forEach(function (r) { body.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var head = table.tHead ? table.tHead.rows[0] : null;
    if (!head) { return; }
    Array.prototype.forEach.call(head.cells, function (th, i) {
      th.addEventListener("click", function () { sortTable(table, i, th); });
    });
  });

  var browser = document.getElementById("tx-browser");
  if (!browser) { return; }
  var items = Array.prototype.slice.call(browser.querySelectorAll("article.tx"));
  var filters = Array.prototype.slice.call(browser.querySelectorAll("select[data-filter]"));
  var search = document.getElementById("tx-search");
  var sizeSel = document.getElementById("tx-size");
  var status = document.getElementById("tx-status");
  var page = 0, matched = [];
  function apply() {
    var wanted = filters.map(function (f) { return [f.getAttribute("data-filter"), f.value]; });
    var needle = search.value.trim().toLowerCase();
    matched = items.filter(function (it) {
      for (var j = 0; j < wanted.length; j++) {
        if (wanted[j][1] !== "" && it.getAttribute("data-" + wanted[j][0]) !== wanted[j][1]) { return false; }
      }
      return needle === "" || it.textContent.toLowerCase().indexOf(needle) >= 0;
    });
    page = 0; show();
  }
  function show() {
    var size = parseInt(sizeSel.value, 10);
    var pages = Math.max(1, Math.ceil(matched.length / size));
    page = Math.min(Math.max(page, 0), pages - 1);
    var lo = page * size, hi = Math.min(matched.length, lo + size);
    items.forEach(function (it) { it.hidden = true; });
    for (var j = lo; j < hi; j++) { matched[j].hidden = false; }
    status.textContent = matched.length === 0 ? "no transcript matches" :
      ("showing " + (lo + 1) + "\\u2013" + hi + " of " + matched.length + " (page " + (page + 1) + " of " + pages + ")");
  }
  filters.forEach(function (f) { f.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  sizeSel.addEventListener("change", function () { page = 0; show(); });
  document.getElementById("tx-prev").addEventListener("click", function () { page -= 1; show(); });
  document.getElementById("tx-next").addEventListener("click", function () { page += 1; show(); });
  var marks = document.getElementById("tx-marks");
  if (marks) { marks.addEventListener("change", function () {
    browser.classList.toggle("no-marks", !marks.checked); }); }
  apply();
})();
"""
