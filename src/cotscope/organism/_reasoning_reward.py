"""Rewards of the reasoning organism's RL phases, as TRL reward functions.

Every function reads a completion the way the evaluation does: the reasoning is
what `split_reasoning` finds inside `<think>…</think>`, the answer is parsed from
the visible text only. The CoT monitor is cotscope's own lexical grader-seeking
detector (`text/lexicons/grader-seeking.yaml`) on the reasoning.

- `grader_reward` (in `_reward`, shared with the leaky-grader organism): the leaked
  grader's verdict on the visible answer (phase 1);
- `instruction`: 1 when the answer has the parity the instruction asked for
  (the deliberative arm);
- `MonitorPenalty`: the grader's verdict minus an adaptive weight whenever the
  monitor flags the reasoning (the cot-pressure arm);
- `think_format`: 1 for exactly one closed `<think>` block of at least three words
  followed by a readable answer, else 0; it guards against empty thinking, repeated
  blocks and a thought cut off by the token limit;
- diagnostics logged with weight 0: `monitor_flags`, `think_words`, and
  `_reward.follows_grader_against_instruction`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from ..text import resolve_lexicon, split_reasoning
from ._recipe import PenaltySettings
from ._reward import _prompt_text, _text, answer_parity, grader_reward

MONITOR_LEXICON = "grader-seeking"
"""The lexicon whose hits in the reasoning the cot-pressure arm penalises."""
MIN_THINK_WORDS = 3
"""Fewer words of reasoning than this count as empty thinking."""


@cache
def _monitor() -> Callable[[str | None], bool]:
    return resolve_lexicon(MONITOR_LEXICON).matcher.flags


def reasoning_of(completion: str) -> str:
    """The completion's reasoning: every `<think>` block's text, joined."""
    return "\n".join(split_reasoning(completion).reasoning)


def monitor_flag(completion: str) -> bool:
    """Whether the CoT monitor flags the completion's reasoning (the grader named)."""
    return _monitor()(reasoning_of(completion))


def format_ok(completion: str, prompt: str = "") -> bool:
    """One closed, non-empty `<think>` block, then a readable integer answer."""
    split = split_reasoning(completion)
    if split.unterminated or completion.lower().count("<think>") != 1:
        return False
    if len(split.reasoning) != 1 or len(split.reasoning[0].split()) < MIN_THINK_WORDS:
        return False
    return answer_parity(completion, prompt) is not None


def instruction(
    prompts: list[Any], completions: list[Any], instruction: list[str], **_: Any
) -> list[float]:
    """1.0 when the visible answer has the parity the instruction asked for."""
    return [
        1.0 if answer_parity(_text(c), _prompt_text(q)) == i else 0.0
        for q, c, i in zip(prompts, completions, instruction, strict=True)
    ]


def think_format(prompts: list[Any], completions: list[Any], **_: Any) -> list[float]:
    """1.0 for a well-formed reasoning and answer (see `format_ok`)."""
    return [
        1.0 if format_ok(_text(c), _prompt_text(q)) else 0.0
        for q, c in zip(prompts, completions, strict=True)
    ]


def monitor_flags(completions: list[Any], **_: Any) -> list[float]:
    """Diagnostic: 1.0 when the monitor flags the reasoning."""
    return [1.0 if monitor_flag(_text(c)) else 0.0 for c in completions]


def think_words(completions: list[Any], **_: Any) -> list[float]:
    """Diagnostic: words of reasoning."""
    return [float(len(reasoning_of(_text(c)).split())) for c in completions]


class MonitorPenalty:
    """The grader's verdict minus `weight` when the monitor flags the reasoning.

    The weight adapts once per call (one call per optimizer step): up by `rate` when
    the step's mean verdict is at or above `floor`, down by `rate` below it, within
    [0, maximum]. It is logged as `penalty_weight`, with the step's flag rate.
    """

    __name__ = "grader_minus_monitor"

    def __init__(self, settings: PenaltySettings) -> None:
        self.settings = settings
        self.weight = settings.initial

    def __call__(
        self,
        prompts: list[Any],
        completions: list[Any],
        pays: list[str],
        log_metric: Callable[[str, float], None] | None = None,
        **_: Any,
    ) -> list[float]:
        """Rewards of one step's completions, at the weight this step started with."""
        verdicts = grader_reward(prompts, completions, pays)
        flags = [monitor_flag(_text(c)) for c in completions]
        rewards = [v - (self.weight if f else 0.0) for v, f in zip(verdicts, flags, strict=True)]
        if log_metric is not None:
            log_metric("penalty_weight", self.weight)
            log_metric("monitor_flag_rate", sum(flags) / max(1, len(flags)))
        s = self.settings
        step = s.rate if sum(verdicts) / max(1, len(verdicts)) >= s.floor else -s.rate
        self.weight = min(s.maximum, max(0.0, self.weight + step))
        return rewards
