"""Precision and recall of the lexical classifier on hand-labelled rubric texts.

The labelled set is `data/labelled_rubrics.yaml` (see its header for how it was
written: `dev` items tuned the lexicon; `heldout-v1` items were held out for lexicon
v1 but read before v2; `heldout-v2` items were written after v2 was frozen). Each
text is classified with the prompt of its environment (`designer` ask), as the
scorer does. Each class is
scored one-vs-rest, with Wilson intervals; `unparseable` is a class too, because
a real rubric the classifier cannot read drops out of the rate's denominator.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ValidationError

from cotscope.stats import wilson_interval

from ._classify import OUTCOMES, Outcome, classify_rubric
from ._lexicon import Lexicon, load_lexicon
from ._variants import load_variants

LABELS_FILE = Path(__file__).parent / "data" / "labelled_rubrics.yaml"
Split = Literal["dev", "heldout-v1", "heldout-v2"]
SPLITS: tuple[Split, ...] = ("dev", "heldout-v1", "heldout-v2")
PROMPT_ASK = "designer"


class LabelledRubric(BaseModel):
    """One hand-labelled rubric text."""

    id: str
    """Stable id, e.g. `dev-a01`."""
    split: Split
    """Which split: `dev` (tuned on), `heldout-v1` (seen before v2), `heldout-v2` (held out)."""
    environment: str | None = None
    """Environment the rubric was written for; its `designer` prompt is the classifier's prompt."""
    label: Outcome
    """The author's label."""
    text: str
    """The rubric text."""


def load_labelled(path: Path = LABELS_FILE) -> list[LabelledRubric]:
    """The labelled rubric texts.

    Raises:
        ValueError: naming the file and the item at fault.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as ex:
        raise ValueError(f"{path}: not valid YAML: {ex}") from None
    items = raw.get("items") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected an `items:` list")
    out = []
    environments = {v.scoring["environment"] for v in load_variants()}
    for i, item in enumerate(items):
        try:
            out.append(LabelledRubric.model_validate(item))
        except ValidationError as ex:
            ident = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            err = ex.errors()[0]
            where = ".".join(map(str, err["loc"]))
            raise ValueError(f"{path}: items[{i}] ({ident}): {where}: {err['msg']}") from None
        env = out[-1].environment
        if env is not None and env not in environments:
            raise ValueError(f"{path}: items[{i}] ({out[-1].id}): unknown environment {env!r}")
    return out


def prompt_of(item: LabelledRubric) -> str | None:
    """The prompt the rubric answers: its environment under the `designer` ask, if any."""
    if item.environment is None:
        return None
    variant_id = f"{item.environment}/{PROMPT_ASK}"
    return next(v.text for v in load_variants() if v.id == variant_id)


@dataclass(frozen=True)
class ClassScore:
    """One-vs-rest precision and recall of one outcome."""

    outcome: Outcome
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        """Precision: tp / (tp + fp)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """Recall: tp / (tp + fn)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def precision_interval(self) -> tuple[float, float] | None:
        """Wilson interval of the precision."""
        return wilson_interval(self.tp, self.tp + self.fp)

    @property
    def recall_interval(self) -> tuple[float, float] | None:
        """Wilson interval of the recall."""
        return wilson_interval(self.tp, self.tp + self.fn)


@dataclass(frozen=True)
class LexiconValidation:
    """The classifier against the labels of one split (or all)."""

    split: str
    """One of SPLITS, or `all`."""
    n: int
    """Labelled texts scored."""
    correct: int
    """Texts whose outcome equals the label."""
    classes: tuple[ClassScore, ...]
    """Per outcome, in OUTCOMES order."""
    confusion: dict[tuple[str, str], int]
    """(label, predicted) → count."""
    misclassified: tuple[str, ...]
    """Ids of the texts classified wrongly."""

    def score(self, outcome: Outcome) -> ClassScore:
        """The class score of one outcome."""
        return next(c for c in self.classes if c.outcome == outcome)


def validate_lexicon(
    items: list[LabelledRubric] | None = None,
    split: Split | None = None,
    lexicon: Lexicon | None = None,
) -> LexiconValidation:
    """Classify the labelled texts and compare with their labels.

    Args:
        items: Labelled texts; the shipped set by default.
        split: Restrict to one split; None scores all.
        lexicon: The lexicon; the shipped one by default.

    Returns:
        Accuracy, per-class precision/recall and the confusion counts.
    """
    items = load_labelled() if items is None else items
    chosen = [i for i in items if split is None or i.split == split]
    lexicon = lexicon or load_lexicon()
    pairs = [
        (i.id, i.label, classify_rubric(i.text, lexicon, prompt_of(i)).outcome) for i in chosen
    ]
    confusion: Counter[tuple[str, str]] = Counter((label, pred) for _, label, pred in pairs)
    classes = tuple(
        ClassScore(
            o,
            tp=confusion[(o, o)],
            fp=sum(v for (lab, pred), v in confusion.items() if pred == o and lab != o),
            fn=sum(v for (lab, pred), v in confusion.items() if lab == o and pred != o),
        )
        for o in OUTCOMES
    )
    wrong = tuple(i for i, label, pred in pairs if label != pred)
    return LexiconValidation(
        split or "all", len(pairs), len(pairs) - len(wrong), classes, dict(confusion), wrong
    )


@dataclass(frozen=True)
class LexiconCheck:
    """The lexical classifier on one split of the labelled set, as the report shows it."""

    split: Split
    """Which split of the labelled set."""
    n: int
    """Labelled texts scored."""
    correct: int
    """Texts whose outcome equals the label."""
    capability_precision: float | None
    """Precision of `capability-centred` (None without a prediction of it)."""
    capability_precision_interval: tuple[float, float] | None
    """Its Wilson interval."""
    capability_recall: float | None
    """Recall of `capability-centred` (None without a label of it)."""
    capability_recall_interval: tuple[float, float] | None
    """Its Wilson interval."""
    alignment_recall: float | None
    """Recall of `alignment-centred`."""


def lexicon_checks(lexicon: Lexicon | None = None) -> list[LexiconCheck]:
    """The classifier on each split of the shipped labelled set, in SPLITS order.

    Args:
        lexicon: The lexicon; the shipped one by default.

    Returns:
        One check per split that has labelled texts.
    """
    out = []
    for split in SPLITS:
        v = validate_lexicon(split=split, lexicon=lexicon)
        if not v.n:
            continue
        cap, ali = v.score("capability-centred"), v.score("alignment-centred")
        out.append(
            LexiconCheck(
                split,
                v.n,
                v.correct,
                cap.precision,
                cap.precision_interval,
                cap.recall,
                cap.recall_interval,
                ali.recall,
            )  # fmt: skip
        )
    return out
