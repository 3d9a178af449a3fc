"""The human-text baseline: wordfreq's English frequencies as a pseudo-corpus.

wordfreq (frozen with text through about 2021, before generated text polluted the
web) gives each word a frequency, not a count. The log-odds statistic needs counts,
so the baseline is read as a pseudo-corpus of `BASELINE_SIZE` words in which a word
of frequency f occurs f·N times. The size only sets how much sampling noise the
baseline is credited with: σ² gains 1/(f·N + α) from the baseline side. With
N = 10⁹ the pseudo-count is 10^zipf (wordfreq's zipf scale counts per billion
words), so a word at wordfreq's listing threshold has 10 pseudo-occurrences and a
common word has millions. For words the baseline knows well the term vanishes and
z is governed by the CoT counts; for rare and unlisted words it caps z at about
δ·√(f·N). A larger N raises z for rare words (treating wordfreq as exact), a smaller
N lowers it; δ itself barely moves, since N ≫ the prior strength.

Floor: wordfreq's large English list stops at frequency 10⁻⁸ (zipf 1). A word it
does not list is rarer than that, by an unknown amount. It is given the threshold
itself, `FLOOR_FREQUENCY`: the most common an unlisted word can be. That is the
conservative choice: a novel word's overuse is understated, never overstated, so
its δ and z are lower bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from importlib.metadata import version

BASELINE_SIZE = 1e9
"""Pseudo-corpus size N of the baseline, in words (counts are f·N)."""

FLOOR_FREQUENCY = 1e-8
"""Frequency given to words wordfreq does not list: its large list's cut-off (zipf 1)."""

WORDLIST = "large"
"""wordfreq's English list used: the 'large' list (at least 5 sources, f ≥ 10⁻⁸)."""


@cache
def _frequency_source() -> tuple[dict[str, float], Callable[[str], float]]:
    import wordfreq  # lazy: loading the list takes a fraction of a second and some memory

    table: dict[str, float] = wordfreq.get_frequency_dict("en", WORDLIST)

    def with_digits(token: str) -> float:
        # wordfreq pools digit strings ("2024" -> "0000") and spreads the pooled frequency
        # with a Benford/year model; its own lookup does that.
        return float(wordfreq.word_frequency(token, "en", WORDLIST))

    return table, with_digits


def _round3(freq: float) -> float:
    # wordfreq.word_frequency rounds to 3 significant digits, the raw table does not;
    # the same expression as wordfreq's (math.log(x, 10), not log10) gives the same digits.
    return round(freq, math.floor(-math.log(freq, 10)) + 3)


class HumanBaseline:
    """Frequencies of words in human English text, floored, as a pseudo-corpus."""

    def __init__(self, size: float = BASELINE_SIZE, floor: float = FLOOR_FREQUENCY) -> None:
        """Create a baseline.

        Args:
            size: Pseudo-corpus size in words.
            floor: Frequency of words the baseline does not list.
        """
        if size <= 0 or not 0 < floor < 1:
            raise ValueError(f"need size > 0 and 0 < floor < 1, got {size}, {floor}")
        self.size = size
        self.floor = floor
        self._cache: dict[str, float] = {}

    def raw_frequency(self, token: str) -> float:
        """Wordfreq's frequency of one token, exactly as `wordfreq.word_frequency` gives it.

        Args:
            token: A token as `tokenize` produces it.

        Returns:
            The frequency, or 0.0 when wordfreq does not list the token.
        """
        table, with_digits = _frequency_source()
        if any(c.isdigit() for c in token):
            return with_digits(token)
        freq = table.get(token)
        return 0.0 if freq is None else _round3(freq)

    def frequency(self, token: str) -> float:
        """Frequency of one token with the floor applied.

        Args:
            token: A token as `tokenize` produces it.

        Returns:
            max(wordfreq frequency, floor).
        """
        cached = self._cache.get(token)
        if cached is None:
            cached = max(self.raw_frequency(token), self.floor)
            self._cache[token] = cached
        return cached

    def forms_frequency(self, forms: tuple[str, ...]) -> float:
        """Frequency of a term counted over several forms (their floored frequencies summed).

        Args:
            forms: The tokens that count as the term.

        Returns:
            The summed frequency.
        """
        return sum(self.frequency(form) for form in forms)

    def is_listed(self, token: str) -> bool:
        """Whether wordfreq lists the token at all (False means the floor is in use)."""
        return self.raw_frequency(token) > 0.0

    def describe(self) -> dict[str, str | float]:
        """Provenance of the baseline for results."""
        return {
            "source": f"wordfreq {version('wordfreq')} English '{WORDLIST}' list",
            "pseudo_corpus_words": self.size,
            "floor_frequency": self.floor,
        }
