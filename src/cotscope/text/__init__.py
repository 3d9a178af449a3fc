"""Text rules shared by every part of cotscope: one implementation of each.

The bottom layer: it imports nothing from other cotscope packages and nothing heavy,
so models, ingest, suites, graders, interventions and terms can all build on it.

- Reasoning splitting (`split_reasoning`): `<think>…</think>` and other marker pairs,
  case-insensitive, with the cases real completions produce (unclosed, closing marker
  only, several blocks).
- Phrase matching (`PhraseMatcher`): whole phrases, one word-boundary rule, spans.
- Lexicons (`Lexicon`, `load_lexicon`, `resolve_lexicon`): one versioned, hashed
  YAML format for every term list, and the detector that applies one
  (`LexiconMatcher`: phrases and regexes, minus hard negatives).
- Markdown erasing for answer parsers (`clean_markdown`, `bold_spans`).
"""

from ._lexicon import Lexicon, LexiconError, Term, load_lexicon, parse_lexicon
from ._library import (
    SHIPPED_FOLDER,
    ResolvedLexicon,
    lexicon_files,
    lexicon_names,
    resolve_lexicon,
)
from ._markdown import bold_spans, clean_markdown
from ._matcher import LexiconHit, LexiconMatcher
from ._phrases import PhraseMatcher, PhraseSpan, compile_phrases, phrase_regex
from ._reasoning import (
    DEFAULT_MARKERS,
    KNOWN_MARKERS,
    REASONING,
    THINK,
    THINKING,
    Markers,
    ReasoningSplit,
    join_reasoning,
    split_reasoning,
)

__all__ = [
    "DEFAULT_MARKERS",
    "KNOWN_MARKERS",
    "REASONING",
    "SHIPPED_FOLDER",
    "THINK",
    "THINKING",
    "Lexicon",
    "LexiconError",
    "LexiconHit",
    "LexiconMatcher",
    "Markers",
    "PhraseMatcher",
    "PhraseSpan",
    "ReasoningSplit",
    "ResolvedLexicon",
    "Term",
    "bold_spans",
    "clean_markdown",
    "compile_phrases",
    "join_reasoning",
    "lexicon_files",
    "lexicon_names",
    "load_lexicon",
    "parse_lexicon",
    "phrase_regex",
    "resolve_lexicon",
    "split_reasoning",
]
