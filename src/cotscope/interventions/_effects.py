"""Effects of the stored interventions: action-rate differences with intervals.

* Per transcript: the edited (or control) arm against the unedited base arm cut at
  the same point, paired by resample index (the arms share seeds), with McNemar's
  exact test and the Jeffreys paired-bootstrap interval of `cotscope.stats`.
  A continuation whose outcome is `unparseable` or `error` has no action value:
  its pair is left out of the rate and counted beside it, never read as "no".
* Aggregated over transcripts: the unweighted mean of the per-transcript
  differences, with a bootstrap over transcripts (one transcript: its own interval).
* Reappearance after a removal: the share of first tries whose reasoning brings
  the removed content back (Wilson), and the tries `--resilient` needed.
* Sentence importance: for each sentence, the action rate of resamples from just
  before it whose first sentence differs (cosine < 0.8) against resamples from
  just after it (Newcombe interval), and the total-variation distance between
  their outcome distributions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Literal

from pydantic import BaseModel, Field

from cotscope.stats import (
    EXCLUDED_OUTCOMES,
    bootstrap_mean_interval,
    paired_comparison,
    rate_estimate,
    unpaired_comparison,
)
from cotscope.store import has_interventions_table, read_interventions

from ._embed import DIFFERENT_BELOW


class EffectRow(BaseModel):
    """The effect of one arm against the base arm (arm − base)."""

    edit_key: str
    """The experiment."""
    label: str
    """Its label."""
    arm: Literal["edited", "control"]
    """Which arm is compared with the base arm."""
    scope: Literal["transcript", "aggregate"]
    """One transcript, or the mean over transcripts."""
    sample_uid: str | None = None
    """The transcript (scope `transcript`)."""
    transcripts: int
    """Transcripts behind the number."""
    pairs: int
    """Paired continuations behind the number (both sides parseable)."""
    unparseable_base: int = 0
    """Base-arm continuations left out as `unparseable`."""
    unparseable_arm: int = 0
    """Compared-arm continuations left out as `unparseable`."""
    errors_base: int = 0
    """Base-arm continuations left out as `error` (the scorer failed)."""
    errors_arm: int = 0
    """Compared-arm continuations left out as `error`."""
    rate_base: float | None
    """Action rate of the base arm."""
    rate_arm: float | None
    """Action rate of the compared arm."""
    difference: float | None
    """rate_arm − rate_base (aggregate: mean of per-transcript differences)."""
    ci_low: float | None
    """Lower end of the 95% interval of the difference."""
    ci_high: float | None
    """Upper end of the 95% interval of the difference."""
    p_value: float | None
    """McNemar exact p-value over all pairs."""
    ci_method: str
    """`paired-bootstrap` (one transcript) or `bootstrap-over-transcripts`."""


class ReappearanceRow(BaseModel):
    """How often removed content came back in the edited continuations."""

    edit_key: str
    """The experiment."""
    label: str
    """Its label."""
    n: int
    """Edited continuations checked."""
    first_try: int
    """Of which the first try brought the content back."""
    rate: float | None
    """first_try / n."""
    ci_low: float | None
    """Wilson interval, lower end."""
    ci_high: float | None
    """Wilson interval, upper end."""
    still_back: int
    """Continuations in which it was still back after the last try."""
    mean_tries: float | None
    """Mean tries per continuation."""


class ImportanceRow(BaseModel):
    """Resampling importance of one sentence of one transcript."""

    edit_key: str
    """The experiment."""
    sample_uid: str
    """The transcript."""
    site: int
    """Sentence index."""
    sentence: str
    """The sentence."""
    n_different: int
    """Resamples from before it whose first sentence differs (cosine < 0.8)."""
    n_next: int
    """Resamples from just after it."""
    shift: float | None
    """Action rate (different) − action rate (after the sentence)."""
    ci_low: float | None
    """Newcombe interval, lower end."""
    ci_high: float | None
    """Newcombe interval, upper end."""
    tv_distance: float | None
    """Total-variation distance between the two outcome distributions."""


class InterventionEffects(BaseModel):
    """Everything the interventions section shows."""

    effects: list[EffectRow] = Field(default_factory=list)
    """Edited and control effects, aggregate first per experiment."""
    reappearance: list[ReappearanceRow] = Field(default_factory=list)
    """Reappearance per removal experiment."""
    importance: list[ImportanceRow] = Field(default_factory=list)
    """Sentence importance rows."""


def intervention_effects(store: Any, run: str | None = None) -> InterventionEffects:
    """Compute every effect from the store's `interventions` table.

    Args:
        store: An open `Store`.
        run: Only this run.

    Returns:
        The effects (empty without the table).
    """
    out = InterventionEffects()
    if not has_interventions_table(store):
        return out
    rows = read_interventions(
        store,
        ("edit_key", "edit_label", "edit", "arm", "sample_uid", "site", "resample", "action",
         "outcome", "reappeared", "reappeared_first", "tries", "similarity", "removed"),
        run=run,
        order_by=("edit_key", "sample_uid", "site", "resample"),
    )  # fmt: skip
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_key[r["edit_key"]].append(r)
    for key, group in by_key.items():
        if all(r["edit"] == "resample-from" for r in group) and not any(
            r["arm"] == "base" for r in group
        ):
            out.importance += _importance(key, group)
            continue
        out.effects += _effects(key, group)
        reappear = _reappearance(key, group)
        if reappear is not None:
            out.reappearance.append(reappear)
    return out


def _effects(key: str, group: list[dict[str, Any]]) -> list[EffectRow]:
    label = group[0]["edit_label"]
    cells: dict[tuple[str, int, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in group:
        cells[(r["sample_uid"], r["site"], r["arm"])][r["resample"]] = r
    out: list[EffectRow] = []
    for arm in ("edited", "control"):
        per: list[EffectRow] = []
        every: list[tuple[bool, bool]] = []
        for (uid, site, name), rows in cells.items():
            if name != arm:
                continue
            base = cells.get((uid, site, "base"), {})
            both = [(base[i], r) for i, r in sorted(rows.items()) if i in base]
            if not both:
                continue
            pairs = [(_action(b), _action(a)) for b, a in both if _parseable(b) and _parseable(a)]
            every += pairs
            c = paired_comparison(pairs)
            per.append(
                EffectRow(
                    edit_key=key, label=label, arm=arm, scope="transcript", sample_uid=uid,
                    transcripts=1, pairs=len(pairs), **_left_out(both), rate_base=c.rate_a,
                    rate_arm=c.rate_b, difference=c.difference, ci_low=c.ci_low,
                    ci_high=c.ci_high, p_value=c.p_value, ci_method="paired-bootstrap",
                )
            )  # fmt: skip
        if not per:
            continue
        pooled = paired_comparison(every)
        diffs = [p.difference for p in per if p.difference is not None]
        counted = [p for p in per if p.difference is not None]
        left_out = {
            f: sum(getattr(p, f) for p in per)
            for f in ("unparseable_base", "unparseable_arm", "errors_base", "errors_arm")
        }
        if not diffs:
            low = high = None
            method = "no parseable pairs"
        elif len(counted) == 1:
            low, high, method = counted[0].ci_low, counted[0].ci_high, "paired-bootstrap"
        else:
            low, high = bootstrap_mean_interval(diffs)
            # A handful of identical transcript effects gives a zero-width bootstrap;
            # never report less uncertainty than the pooled paired interval.
            if pooled.ci_low is not None and pooled.ci_high is not None:
                low, high = min(low, pooled.ci_low), max(high, pooled.ci_high)
            method = "bootstrap-over-transcripts (at least pooled paired)"
        out.append(
            EffectRow(
                edit_key=key, label=label, arm=arm, scope="aggregate", transcripts=len(counted),
                pairs=len(every), **left_out, rate_base=pooled.rate_a, rate_arm=pooled.rate_b,
                difference=sum(diffs) / len(diffs) if diffs else None, ci_low=low, ci_high=high,
                p_value=pooled.p_value, ci_method=method,
            )
        )  # fmt: skip
        out += per
    return out


def _parseable(row: dict[str, Any]) -> bool:
    return row["outcome"] not in EXCLUDED_OUTCOMES


def _action(row: dict[str, Any]) -> bool:
    return bool(row["action"])


def _left_out(both: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, int]:
    """Continuations of each side whose outcome has no action value."""
    return {
        "unparseable_base": sum(b["outcome"] == "unparseable" for b, _ in both),
        "unparseable_arm": sum(a["outcome"] == "unparseable" for _, a in both),
        "errors_base": sum(b["outcome"] == "error" for b, _ in both),
        "errors_arm": sum(a["outcome"] == "error" for _, a in both),
    }


def _reappearance(key: str, group: list[dict[str, Any]]) -> ReappearanceRow | None:
    checked = [r for r in group if r["arm"] == "edited" and r["reappeared_first"] is not None]
    if not checked:
        return None
    k = sum(1 for r in checked if r["reappeared_first"])
    est = rate_estimate(k, len(checked))
    return ReappearanceRow(
        edit_key=key,
        label=group[0]["edit_label"],
        n=len(checked),
        first_try=k,
        rate=est.rate,
        ci_low=est.ci_low,
        ci_high=est.ci_high,
        still_back=sum(1 for r in checked if r["reappeared"]),
        mean_tries=sum(int(r["tries"]) for r in checked) / len(checked),
    )


def _importance(key: str, group: list[dict[str, Any]]) -> list[ImportanceRow]:
    by_site: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in group:
        by_site[(r["sample_uid"], r["site"])].append(r)
    out = []
    for (uid, site), rows in sorted(by_site.items()):
        after = by_site.get((uid, site + 1))
        if after is None or rows[0]["removed"] is None:
            continue
        different = [
            r for r in rows if r["similarity"] is not None and r["similarity"] < DIFFERENT_BELOW
        ]
        # Rates over parseable continuations; the outcome distributions keep every label.
        dp, ap = [r for r in different if _parseable(r)], [r for r in after if _parseable(r)]
        kd, kn = sum(_action(r) for r in dp), sum(_action(r) for r in ap)
        c = unpaired_comparison(kn, len(ap), kd, len(dp))
        out.append(
            ImportanceRow(
                edit_key=key,
                sample_uid=uid,
                site=site,
                sentence=rows[0]["removed"],
                n_different=len(different),
                n_next=len(after),
                shift=c.difference,
                ci_low=c.ci_low,
                ci_high=c.ci_high,
                tv_distance=_tv([r["outcome"] for r in different], [r["outcome"] for r in after]),
            )
        )
    return out


def _tv(a: list[str], b: list[str]) -> float | None:
    if not a or not b:
        return None
    ca, cb = Counter(a), Counter(b)
    return 0.5 * sum(abs(ca[o] / len(a) - cb[o] / len(b)) for o in set(ca) | set(cb))
