"""The transcript browser: a stratified, size-bounded sample of transcripts, escaped.

Transcripts are chosen in DuckDB (round-robin over model × variant × outcome, in
sample-uid order, which is a fixed pseudo-random order) and streamed in batches,
so a run of any size costs one bounded page. Every text goes through `esc`;
evidence spans from registered sources are wrapped in `<mark>` around escaped
segments, never by editing HTML.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from cotscope.store import suite_outcomes
from cotscope.suites import OutcomeDef

from ._html import Markup, attrs, el, esc, join
from ._sections import ReportContext, Span, TextField, report_section, span_sources

_FIELDS: tuple[TextField, ...] = ("prompt", "reasoning", "answer")
_TITLES = {"prompt": "Prompt", "reasoning": "Reasoning", "answer": "Answer"}


def highlight(text: str, spans: Sequence[Span], limit: int | None = None) -> Markup:
    """Escape `text` (cut at `limit` characters) and wrap each span in a `<mark>`.

    Overlapping spans are kept in start order and the later one is clipped; spans
    past the cut are clipped to it.

    Args:
        text: The stored text.
        spans: Spans of this field.
        limit: Characters to keep; None keeps all.

    Returns:
        Safe HTML.
    """
    shown = text if limit is None else text[:limit]
    out: list[Markup] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = max(span.start, pos), min(span.end, len(shown))
        if start >= end:
            continue
        out.append(esc(shown[pos:start]))
        title = span.label if not span.note else f"{span.label}: {span.note}"
        out.append(el("mark", shown[start:end], class_="span", title=title, data_label=span.label))
        pos = end
    out.append(esc(shown[pos:]))
    if limit is not None and len(text) > limit:
        cut = f"[… cut: {len(text) - limit:,} more characters in the store]"
        out.append(el("span", f"\n{cut}", class_="cut"))
    return join(out)


def _choose_sql(limit: int, max_chars: int) -> str:
    texts = ", ".join(f"left({f}, {max_chars + 1}) AS {f}" for f in _FIELDS)
    return f"""
        WITH ranked AS (
            SELECT sample_uid, row_number() OVER (
                PARTITION BY model_id, suite, variant_id, variant_hash, outcome
                ORDER BY sample_uid) AS rn
            FROM samples WHERE run = $run
        ), chosen AS (
            SELECT sample_uid FROM ranked ORDER BY rn, sample_uid LIMIT {int(limit)}
        )
        SELECT s.sample_uid, s.model_id, s.step, s.model_order, s.suite, s.variant_id,
               s.variant_hash, s.variant_family, s.epoch, s.outcome, s.parsed_answer, s.error,
               s.output_tokens, s.reasoning_kind, {texts}
        FROM samples s JOIN chosen USING (sample_uid)
        ORDER BY s.step NULLS LAST, s.model_order, s.model_id, s.suite, s.variant_family,
                 s.variant_id, s.epoch
    """


def _badge(outcome: str, declared: OutcomeDef | None) -> Markup:
    # Coloured by what the outcome is to its suite, not by its name: the behaviour of
    # interest, a failure, or another answer.
    role = (
        "other" if declared is None
        else "interest" if declared.of_interest
        else "failure" if declared.failure
        else "other"
    )  # fmt: skip
    title = f"{declared.label}: {declared.definition}" if declared else outcome
    return el("span", outcome, class_=f"badge o-{role}", title=title)


def _article(
    row: dict[str, Any],
    name: str,
    spans: Sequence[Span],
    max_chars: int,
    declared: OutcomeDef | None = None,
) -> Markup:
    by_field: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        by_field[span.field].append(span)
    cols = []
    for f in _FIELDS:
        text = row[f]
        body = (
            el("span", f"(no {f} recorded)", class_="cut")
            if text is None or text == ""
            else highlight(str(text), by_field[f], max_chars)
        )
        cols.append(el("section", el("h4", _TITLES[f]), el("pre", body)))
    step = "" if row["step"] is None else f" · step {row['step']}"
    extras = []
    if row["parsed_answer"] is not None:
        extras.append(f" · parsed answer: {row['parsed_answer']}")
    if row["error"]:
        extras.append(f" · error: {row['error']}")
    header = el(
        "header",
        el("strong", row["model_id"]),
        step,
        f" · {row['suite']}/",
        el("strong", name),
        f" ({row['variant_family']}) · epoch {row['epoch']} · ",
        _badge(str(row["outcome"]), declared),
        *extras,
    )
    data = {
        "class": "tx",
        "data-uid": row["sample_uid"],
        "data-model": row["model_id"],
        "data-suite": row["suite"],
        "data-family": row["variant_family"],
        "data-variant": name,
        "data-outcome": row["outcome"],
    }
    return Markup(f"<article{attrs(data)}>{header}{el('div', *cols, class_='tx-cols')}</article>")


def _select(label: str, key: str, values: Sequence[str]) -> Markup:
    options = [el("option", f"all ({len(values)})", value="")]
    options += [el("option", v, value=v) for v in values]
    return el("label", label, el("select", *options, data_filter=key))


@report_section("transcripts", "Transcripts", order=90)
def transcripts_section(ctx: ReportContext) -> Markup | None:
    """Filterable, paged transcripts: prompt, reasoning and answer side by side."""
    opts = ctx.options
    total = ctx.store.count("run = ?", [ctx.stats.run])
    if total == 0 or opts.max_transcripts <= 0:
        return None
    names = {(v.suite, v.variant_id, v.variant_hash): v.name for v in ctx.stats.variants}
    cur = ctx.store.con.execute(
        _choose_sql(opts.max_transcripts, opts.max_chars), {"run": ctx.stats.run}
    )
    cols = [d[0] for d in cur.description]
    rows: list[dict[str, Any]] = []
    while chunk := cur.fetchmany(500):
        rows.extend(dict(zip(cols, r, strict=True)) for r in chunk)
    spans: dict[str, list[Span]] = defaultdict(list)
    uids = [str(r["sample_uid"]) for r in rows]
    for source in span_sources():
        for uid, span in source(ctx, uids):
            spans[uid].append(span)

    declared = {
        (suite, o.name): o
        for suite, outcomes in suite_outcomes(ctx.store, ctx.stats.run).items()
        for o in outcomes
    }
    articles: list[Markup] = []
    size = 0
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        name = names.get((row["suite"], row["variant_id"], row["variant_hash"]), row["variant_id"])
        article = _article(
            row, name, spans.get(str(row["sample_uid"]), []), opts.max_chars,
            declared.get((row["suite"], row["outcome"])),
        )  # fmt: skip
        size += len(article)
        if size > opts.transcript_budget_bytes:
            break
        articles.append(article)
        for key, value in (
            ("model", row["model_id"]),
            ("suite", row["suite"]),
            ("family", row["variant_family"]),
            ("variant", name),
            ("outcome", row["outcome"]),
        ):
            seen[key].add(str(value))
    model_rank = {m.model_id: i for i, m in enumerate(ctx.stats.models)}
    selects = [_select("model", "model", sorted(seen["model"], key=lambda m: model_rank.get(m, 0)))]
    if len(seen["suite"]) > 1:
        selects.append(_select("suite", "suite", sorted(seen["suite"])))
    selects += [
        _select("family", "family", sorted(seen["family"])),
        _select("variant", "variant", sorted(seen["variant"])),
        _select("outcome", "outcome", sorted(seen["outcome"])),
    ]
    sizes = el("select", *(el("option", s, value=s) for s in ("10", "25", "100")), id="tx-size")
    controls = el(
        "div",
        *selects,
        el("label", "text contains", el("input", type="search", id="tx-search")),
        el("label", "per page", sizes),
        el("label", "highlights", el("input", type="checkbox", id="tx-marks", checked=True)),
        el("button", "◀ prev", type="button", id="tx-prev"),
        el("button", "next ▶", type="button", id="tx-next"),
        el("span", "", id="tx-status", class_="small muted"),
        class_="controls",
    )
    note = (
        f"All {total:,} transcripts of the run are shown."
        if len(articles) == total
        else f"{len(articles):,} of {total:,} transcripts are embedded: a stratified sample, "
        "round-robin over model × variant × outcome in a fixed pseudo-random order. "
        "Every sample is in the store (`cotscope.duckdb`, table `samples`)."
    )
    if any(r["prompt"] and len(str(r["prompt"])) > opts.max_chars for r in rows) or any(
        r["reasoning"] and len(str(r["reasoning"])) > opts.max_chars for r in rows
    ):
        note += f" Texts longer than {opts.max_chars:,} characters are cut, and say so."
    return join(
        [el("p", note, class_="muted small"), el("div", controls, *articles, id="tx-browser")]
    )
