"""Tokenisation identical to the baseline's: `wordfreq.lossy_tokenize(text, "en")`.

The baseline frequencies were counted on text tokenised by wordfreq, so the CoT
side must be tokenised the same way or the comparison is biased (a tokenizer that
kept "don't" whole against one that split it would make both halves look odd).
wordfreq's tokenizer is a Unicode regex (UAX #29 word boundaries with tweaks) and
runs at a few MB/s. Most reasoning text is ASCII, and on ASCII the same rules
reduce to a small pattern for the standard `re` engine, several times faster.
Text is therefore cut at ASCII whitespace (which no token spans and no rule looks
across) into ASCII stretches, tokenised by the fast pattern, and stretches that
hold any non-ASCII character, tokenised by wordfreq itself. Equality with
`wordfreq.lossy_tokenize` is a tested property, on real transcripts and on
generated text.

An ASCII stretch is split at whitespace (`str.split`, in C) and each chunk's tokens
are looked up in a bounded cache, so the regex runs once per distinct chunk rather
than over every character of every text. Words repeat (Zipf): on the real
transcripts of the tests (0.77 MB) tokenising took 28 ms before, 18 ms with an empty
cache and 14 ms with a warm one; and hits share one string object per token, whose
hash later counting computes once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from itertools import chain

_W = "[a-z0-9_]"
# UAX #29 on lower-cased ASCII, as wordfreq's TOKEN_RE applies it:
# - a token starts at a word character, unless it begins a French elision such as
#   "l'a" (`\w\w?'` + vowel), which yields the short token before the apostrophe;
# - letters join across ':', '.', "'" (WB6/7); digits across ',', ';', '.', "'"
#   (WB11/12); letters, digits and '_' join directly (WB5, WB8-10, WB13a/b);
# - a trailing "@" or "@s" not followed by a word character stays on the token;
# - "@s" alone is a token when a word boundary follows it.
_FAST = re.compile(
    rf"@s(?!{_W}|[:.'][a-z])"
    rf"|(?!{_W}{_W}?'[aehiouy]){_W}+"
    rf"(?:(?:(?<=[a-z])[:.'](?=[a-z])|(?<=[0-9])[,;.'](?=[0-9])){_W}+)*"
    rf"(?:@s(?!{_W})|@(?!{_W}))?"
    rf"|{_W}{_W}?(?=')"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_TO_NEXT_WORD = re.compile(r"[^ \t\n\r]*[ \t\n\r]*")
_SPACES = (" ", "\t", "\n", "\r")
_CHUNK_CACHE_SIZE = 200_000
"""Distinct chunks kept (tens of MB at most); the cache starts afresh when full."""
_CHUNK_CACHE_CHARS = 64
"""Longer chunks (URLs, code, base64) are rarely seen twice: tokenised, not kept."""


class _ChunkTokens(dict[str, list[str]]):
    """Tokens of lower-cased ASCII chunks without whitespace, computed on first sight.

    `str.split()` cuts at ASCII whitespace and the separators U+001C-U+001F. `_FAST`
    never puts these in a token, and its lookarounds, which only test for word
    characters, `'`, `:`, `.`, `,`, `;` and `@`, see them as they see the text's ends;
    so a text's tokens are its chunks' tokens, in order. Do not mutate the lists.
    """

    def __missing__(self, chunk: str) -> list[str]:
        tokens: list[str] = _FAST.findall(chunk)
        if len(chunk) <= _CHUNK_CACHE_CHARS:
            if len(self) >= _CHUNK_CACHE_SIZE:
                self.clear()
            self[chunk] = tokens
        return tokens


_CHUNKS = _ChunkTokens()


@cache
def _slow_path() -> tuple[Callable[[str], str], Callable[[str], list[str]], Callable[[str], str]]:
    # wordfreq (and its regex tables) load only when non-ASCII text first appears.
    import langcodes
    from ftfy.fixes import uncurl_quotes
    from wordfreq.preprocess import preprocess_text
    from wordfreq.tokens import simple_tokenize

    english = langcodes.get("en")

    def preprocess(text: str) -> str:
        return preprocess_text(text, english)

    return preprocess, simple_tokenize, uncurl_quotes


def _ascii_tokens(low: str) -> list[str]:
    # Lookups and concatenation stay in C; only unseen chunks reach the regex.
    return list(chain.from_iterable(map(_CHUNKS.__getitem__, low.split())))


def tokenize(text: str) -> list[str]:
    """Split text into case-folded word tokens exactly as `wordfreq.lossy_tokenize(text, "en")`.

    Args:
        text: Any text (reasoning, a term, a sentence).

    Returns:
        The tokens in order; punctuation is dropped, curly apostrophes become straight.
    """
    if text.isascii():
        return _ascii_tokens(text.lower())
    preprocess, simple_tokenize, uncurl = _slow_path()
    text = preprocess(text)
    spans: list[tuple[int, int]] = []
    for match in _NON_ASCII.finditer(text):
        start = match.start()
        done = spans[-1][1] if spans else 0
        if start < done:
            continue
        # Widen to whitespace on both sides. The span keeps the space before it (a combining
        # mark after a space attaches to that space) and the spaces after it (a mark at the
        # very start of the text absorbs the spaces that follow it), as in the full text.
        left = max(text.rfind(space, done, start) for space in _SPACES)
        right = _TO_NEXT_WORD.match(text, match.end()).end()  # type: ignore[union-attr]
        if spans and left <= done:
            spans[-1] = (spans[-1][0], right)  # touches the previous span: one span
        else:
            spans.append((max(left, done), right))
    out: list[str] = []
    done = 0
    for left, right in spans:
        if left > done:
            out.extend(_ascii_tokens(text[done:left]))
        out.extend(uncurl(token) for token in simple_tokenize(text[left:right]))
        done = right
    if done < len(text):
        out.extend(_ascii_tokens(text[done:]))
    return out


def chunk_tokens(chunk: str) -> list[str]:
    """Tokens of one lower-cased ASCII chunk without whitespace (cached; do not mutate).

    The tokens of a lower-cased ASCII text are those of its `str.split()` chunks in
    order, so a caller counting the same chunks over many texts can work per chunk.
    """
    return _CHUNKS[chunk]


def single_token(term: str) -> str:
    """Normalise a user-given term to the one token it must be.

    Args:
        term: A word as a user typed it, e.g. `Watchers` or `grader's`.

    Returns:
        The token (case-folded, as counted).

    Raises:
        ValueError: When the term is empty or more than one token.
    """
    tokens = tokenize(term)
    if len(tokens) != 1:
        found = "no token" if not tokens else f"{len(tokens)} tokens {tokens}"
        raise ValueError(f"a term must be one word as wordfreq tokenises it; {term!r} is {found}")
    return tokens[0]
