"""Score rubrics and judge agreement: computed from stored grades, shown in the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from inspect_ai.model import ModelOutput

from cotscope.graders import (
    JudgeSpec,
    builtin_rubrics,
    cohen_kappa,
    grade_run,
    judge_agreement,
    krippendorff_alpha,
)
from cotscope.graders._scores import score_rates
from cotscope.report import ReportOptions, build_report
from cotscope.store import Store

from ._helpers import by_content, output, small_store

Rule = Callable[[str], ModelOutput]
ILLEGIBLE = builtin_rubrics()["illegibility"]
GS = builtin_rubrics()["grader-seeking"]


def _scorer(text: str) -> ModelOutput:
    if "GARBAGE" in text:
        return output("illegible, I would say")
    for word, score in (("clear", 1), ("terse", 4), ("soup", 9)):
        if f"{word} text" in text:
            return output(json.dumps({"scores": {"illegibility": score}, "evidence": []}))
    return output(json.dumps({"scores": {"illegibility": 5}, "evidence": []}))


def _spec(rule: Rule, name: str = "mockllm/model") -> JudgeSpec:
    return JudgeSpec(name, max_tokens=64, model_args={"custom_outputs": by_content(rule)})


def test_score_rates_per_checkpoint_and_in_report(tmp_path: Path, no_network: None) -> None:
    run = small_store(tmp_path, [
        ("ckpt-0", 0, "clear text 1", "x"), ("ckpt-0", 0, "clear text 2", "x"),
        ("ckpt-0", 0, "terse text", "x"),
        ("ckpt-1", 1, "soup text 1", "x"), ("ckpt-1", 1, "soup text 2", "x"),
        ("ckpt-1", 1, "terse text 2", "x"), ("ckpt-1", 1, "GARBAGE", "x"),
    ])  # fmt: skip
    grade_run(run, ILLEGIBLE, [_spec(_scorer)])
    with Store(run, read_only=True) as store:
        cells = {c.model_id: c for c in score_rates(store)}
    c0, c1 = cells["ckpt-0"], cells["ckpt-1"]
    assert c0.scale == "illegibility" and c0.n == 3 and c0.mean == 2.0
    assert c0.distribution == {1: 2, 4: 1} and c0.failures == {}
    assert c1.n == 3 and c1.mean is not None and abs(c1.mean - 22 / 3) < 1e-12
    assert c1.failures == {"unparseable": 1}  # counted, never a score
    assert c1.interval is not None and c1.interval[0] <= c1.mean <= c1.interval[1] <= 9
    html = build_report(run, options=ReportOptions(figures=False)).read_text()
    assert "illegibility — mockllm/model" in html and "(scores)" in html
    assert "2.00 [" in html and "7.33 [" in html and "1: 2 · 4: 1" in html
    assert "unparseable 1" in html


def _says(yes_words: tuple[str, ...]) -> Rule:
    def rule(text: str) -> ModelOutput:
        label = "yes" if any(w in text for w in yes_words) else "no"
        return output(json.dumps({"label": label, "evidence": []}))

    return rule


def test_judge_agreement_from_stored_grades(tmp_path: Path, no_network: None) -> None:
    texts = [f"cot A{i}" for i in range(4)] + [f"cot B{i}" for i in range(4)] + ["cot APIERR"]
    run = small_store(tmp_path, [("m", 0, t, "x") for t in texts])

    def flaky(text: str) -> ModelOutput:
        if "APIERR" in text:
            raise RuntimeError("503")
        return _says(("A0", "A1", "A2", "A3", "B0"))(text)

    grade_run(run, GS, [_spec(_says(("A0", "A1", "A2", "A3")), "mockllm/one"),
                        _spec(flaky, "mockllm/two"),
                        _spec(_says(("A",)), "mockllm/three")])  # fmt: skip
    with Store(run, read_only=True) as store:
        rows = judge_agreement(store)
    one, two = [1] * 4 + [0] * 4, [1] * 5 + [0] * 3
    pair = next(
        a for a in rows
        if a.statistic == "cohen_kappa" and {j.split("#")[0] for j in a.judges}
        == {"mockllm/one", "mockllm/two"}
    )  # fmt: skip
    assert pair.n == 8  # the api error of judge two is missing, not a "no"
    assert pair.value is not None and abs(pair.value - (cohen_kappa(one, two) or 0)) < 1e-12
    assert pair.observed == 7 / 8
    everyone = next(a for a in rows if len(a.judges) == 3)
    assert everyone.statistic == "krippendorff_alpha" and everyone.n == 9
    lab = {True: "yes", False: "no"}
    units = [[lab[i < 4], lab[i < 5] if i < 8 else None, lab[i < 4 or i == 8]] for i in range(9)]
    assert everyone.value == krippendorff_alpha(units)
    html = build_report(run, options=ReportOptions(figures=False)).read_text()
    # The statistic's name is data, escaped by MarkupSafe (`&#39;`; it was `&#x27;`).
    assert "Agreement between judges" in html and "Cohen&#39;s κ" in html
    assert "all 3: " in html
