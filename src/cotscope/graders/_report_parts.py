"""Parts of the graders report section: score rubrics, judge agreement, flagged sentences.

Rendering only; the numbers come from `score_rates` and `judge_agreement`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..report import Markup, el, esc, join, table
from ._panel import Agreement
from ._scores import ScoreCell

if TYPE_CHECKING:
    from cotscope.store import Store

STATISTIC_NAMES = {"cohen_kappa": "Cohen's κ", "krippendorff_alpha": "Krippendorff's α"}


def _failed(failures: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "0"


def score_blocks(cells: list[ScoreCell]) -> list[Markup]:
    """One block per score rubric × judge: mean per checkpoint, distribution, failures."""
    groups: dict[tuple[str, str], list[ScoreCell]] = defaultdict(list)
    for c in cells:
        groups[(c.rubric_hash, c.judge)].append(c)
    out = []
    for group in groups.values():
        first = group[0]
        failed: dict[str, int] = defaultdict(int)
        for c in group:
            if c.scale == first.scale:  # a failure is counted once, not once per scale
                for k, v in c.failures.items():
                    failed[k] += v
        rows = []
        for c in group:
            mean = "no data" if c.mean is None else f"{c.mean:.2f}"
            ci = c.interval
            shown = mean if ci is None else f"{mean} [{ci[0]:.2f}, {ci[1]:.2f}]"
            dist = " · ".join(f"{k}: {v}" for k, v in c.distribution.items()) or "-"
            rows.append([c.model_id, "" if c.step is None else c.step, c.scale,
                         (f"{shown} (n={c.n})", c.mean if c.mean is not None else ""),
                         dist, _failed(c.failures)])  # fmt: skip
        facts = [
            f"rubric {first.rubric} v{first.rubric_version} ({first.rubric_hash[:12]})",
            f"judge {first.judge}",
            "failed grades: " + (_failed(failed) if failed else "none"),
        ]
        out.append(join([
            el("h3", f"{first.rubric} — {first.judge} (scores)"),
            el("ul", *(el("li", f) for f in facts), class_="small"),
            table(["model", "step", "scale", "mean score [95% bootstrap over CoTs] (n)",
                   "distribution (CoT score, rounded: count)", "failed"], rows),
        ]))  # fmt: skip
    return out


def agreement_block(rows: list[Agreement]) -> Markup | None:
    """Agreement between judges per rubric (and scale), with n; None with a single judge."""
    if not rows:
        return None
    body = []
    for a in rows:
        value = "n/a (fewer than 2 items)" if a.value is None else f"{a.value:.3f}"
        observed = "" if a.observed is None else f"{100 * a.observed:.1f}%"
        body.append([f"{a.rubric} ({a.rubric_hash[:12]})", a.scale or "label",
                     " vs ".join(a.judges) if len(a.judges) == 2
                     else f"all {len(a.judges)}: " + ", ".join(a.judges),
                     STATISTIC_NAMES[a.statistic], value, a.n, observed])  # fmt: skip
    return join([
        el("h3", "Agreement between judges"),
        el("p", "Judges that graded the same CoTs with the same rubric. n counts CoTs graded "
           "by at least two of them (both, for κ); failed grades are missing values, not "
           "'no'. Labels are nominal; scores are compared on the interval level.",
           class_="muted small"),
        table(["grader", "scale", "judges", "statistic", "value", "n", "exact agreement"],
              body),
    ])  # fmt: skip


FLAG_EXAMPLES = 12
"""Flagged CoTs quoted per grader and judge in the report."""

_SENTENCE_END = ".!?\n"


def sentence_around(text: str, start: int, end: int, limit: int = 400) -> tuple[str, str, str]:
    """The sentence holding `text[start:end]`, as (before, quote, after), cut to `limit`."""
    left = max((text.rfind(c, 0, start) for c in _SENTENCE_END), default=-1) + 1
    ends = [i for i in (text.find(c, end) for c in _SENTENCE_END) if i != -1]
    right = min(ends) + 1 if ends else len(text)
    spare = max(0, limit - (end - start)) // 2
    left, right = max(left, start - spare), min(right, end + spare)
    return text[left:start].lstrip(), text[start:end], text[end:right].rstrip()


def _graded_text(row: dict[str, Any], quote: str, start: int, end: int) -> str:
    # Offsets index the graded text: the CoT, or the answer for a `target: answer` rubric.
    def norm(x: str) -> str:
        return " ".join(x.split()).lower()

    for name in ("reasoning", "answer"):
        text = str(row[name] or "")
        if norm(text[start:end]) == norm(quote):
            return text
    return str(row["reasoning"] or "")


def flag_examples(
    store: Store, rubric_hash: str, judge: str, run: str | None, limit: int = FLAG_EXAMPLES
) -> Markup | None:
    """Flagged CoTs with the sentence each verified evidence quote sits in.

    The transcript browser embeds a sample of transcripts, so a flagged CoT may not be
    in it; this table quotes the triggering sentence of up to `limit` flags, taken in
    turn from each checkpoint, and names the sample to find it in the store.
    """
    rows = store.query(
        "SELECT g.sample_uid, g.evidence, s.model_id, s.reasoning, s.answer, row_number() OVER ("
        "PARTITION BY s.model_id ORDER BY g.sample_uid) AS rn FROM grades g "
        "JOIN samples s USING (sample_uid) WHERE g.positive AND g.rubric_hash = ? "
        "AND g.judge = ?"
        + (" AND s.run = ?" if run else "")
        + f" ORDER BY rn, s.model_order, s.model_id LIMIT {int(limit)}",
        [rubric_hash, judge, *([run] if run else [])],
    )
    body = []
    for r in rows:
        evidence = json.loads(r["evidence"]) if isinstance(r["evidence"], str) else r["evidence"]
        found = [e for e in evidence or [] if e.get("verified") and e.get("start") is not None]
        if found:
            start, end = int(found[0]["start"]), int(found[0]["end"])
            text = _graded_text(r, str(found[0].get("quote", "")), start, end)
            before, quote, after = sentence_around(text, start, end)
            shown = join([before, el("mark", quote), after])
        else:
            shown = el("span", "no verified quote (the judge's quotes were not in the CoT)",
                       class_="muted")  # fmt: skip
        body.append(Markup(
            f"<tr><td>{esc(r['model_id'])}</td><td>{esc(str(r['sample_uid'])[:12])}</td>"
            f"<td>{shown}</td></tr>"
        ))  # fmt: skip
    if not body:
        return None
    return join([
        el("p", "Flagged CoTs and the sentence that triggered each flag (first verified quote "
           f"marked); up to {limit}, taken in turn from each checkpoint.", class_="muted small"),
        el("div", el("table", el("thead", el("tr", el("th", "model"), el("th", "sample"),
           el("th", "triggering sentence"))), el("tbody", *body)), class_="scroll"),
    ])  # fmt: skip
