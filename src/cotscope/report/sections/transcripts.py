"""The transcript browser: a stratified, size-bounded sample of transcripts, escaped.

Transcripts are chosen in the store (round-robin over model × variant × outcome, in
sample-uid order, which is a fixed pseudo-random order) and streamed in batches,
so a run of any size costs one bounded page. Every text is escaped by MarkupSafe;
evidence spans from the sections' span sources are wrapped in `<mark>` around
escaped segments, never by editing HTML.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from cotscope.store import TEXT_FIELDS, stratified_transcripts, suite_outcomes
from cotscope.suites import OutcomeDef

from .._context import ReportContext, Span
from .._sections import ReportSection
from .._templates import environment

_TITLES = {"prompt": "Prompt", "reasoning": "Reasoning", "answer": "Answer"}
_MARK = Markup('<mark class="span" title="{}" data-label="{}">{}</mark>')


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
        out.append(escape(shown[pos:start]))
        title = span.label if not span.note else f"{span.label}: {span.note}"
        out.append(_MARK.format(title, span.label, shown[start:end]))
        pos = end
    out.append(escape(shown[pos:]))
    if limit is not None and len(text) > limit:
        cut = f"[… cut: {len(text) - limit:,} more characters in the store]"
        out.append(Markup('<span class="cut">{}</span>').format(f"\n{cut}"))
    return Markup("").join(out)


def _role(declared: OutcomeDef | None) -> str:
    # Coloured by what the outcome is to its suite, not by its name: the behaviour of
    # interest, a failure, or another answer.
    if declared is None:
        return "other"
    return "interest" if declared.of_interest else "failure" if declared.failure else "other"


def _transcript(
    row: dict[str, Any], name: str, spans: Sequence[Span], max_chars: int,
    declared: OutcomeDef | None,
) -> dict[str, Any]:  # fmt: skip
    by_field: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        by_field[span.field].append(span)
    texts = []
    for f in TEXT_FIELDS:
        text = row[f]
        body = None if text is None or text == "" else highlight(str(text), by_field[f], max_chars)
        texts.append({"field": f, "title": _TITLES[f], "body": body})
    outcome = str(row["outcome"])
    return {
        **row,
        "variant": name,
        "texts": texts,
        "role": _role(declared),
        "outcome_title": f"{declared.label}: {declared.definition}" if declared else outcome,
    }


def _render(ctx: ReportContext) -> Markup | None:
    opts = ctx.options
    total = ctx.stats.samples
    if total == 0 or opts.max_transcripts <= 0:
        return None
    names = {(v.suite, v.variant_id, v.variant_hash): v.name for v in ctx.stats.variants}
    rows = list(stratified_transcripts(ctx.store, ctx.stats.run, opts.max_transcripts,
                                       opts.max_chars))  # fmt: skip
    spans: dict[str, list[Span]] = defaultdict(list)
    uids = [str(r["sample_uid"]) for r in rows]
    for source in ctx.span_sources:
        for uid, span in source(ctx, uids):
            spans[uid].append(span)
    declared = {
        (suite, o.name): o
        for suite, outcomes in suite_outcomes(ctx.store, ctx.stats.run).items()
        for o in outcomes
    }
    article = environment().get_template("sections/transcript.html.j2")
    articles: list[Markup] = []
    size = 0
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        name = names.get((row["suite"], row["variant_id"], row["variant_hash"]), row["variant_id"])
        t = _transcript(row, name, spans.get(str(row["sample_uid"]), []), opts.max_chars,
                        declared.get((row["suite"], row["outcome"])))  # fmt: skip
        html = Markup(article.render(t=t))
        size += len(html)
        if size > opts.transcript_budget_bytes:
            break
        articles.append(html)
        for key in ("model_id", "suite", "variant_family", "variant", "outcome"):
            seen[key].add(str(t[key]))
    model_rank = {m.model_id: i for i, m in enumerate(ctx.stats.models)}
    filters = [("model", "model", sorted(seen["model_id"], key=lambda m: model_rank.get(m, 0)))]
    if len(seen["suite"]) > 1:
        filters.append(("suite", "suite", sorted(seen["suite"])))
    filters += [
        ("family", "family", sorted(seen["variant_family"])),
        ("variant", "variant", sorted(seen["variant"])),
        ("outcome", "outcome", sorted(seen["outcome"])),
    ]
    cut = any(
        r[f] and len(str(r[f])) > opts.max_chars for r in rows for f in ("prompt", "reasoning")
    )
    return Markup(
        environment()
        .get_template("sections/transcripts.html.j2")
        .render(filters=filters, articles=articles, total=total, cut=cut, max_chars=opts.max_chars)
    )


SECTION = ReportSection("transcripts", "Transcripts", order=90, render=_render)
