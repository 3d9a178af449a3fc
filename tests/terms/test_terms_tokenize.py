from __future__ import annotations

import pytest
import wordfreq
from _terms_data import real_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from cotscope.terms import single_token, tokenize

TRICKY = [
    "Hello, World! The grader's reward = output % 2; don't autop.",
    "3.14 3,000 1;2 1'2 a:b a.b a,b x.com e.g. A1.b2 1a.2 a_.b __init__ hello_world",
    "y'all l'arc qu'un d'heure ab'ec abc'e o'er rock'n'roll 'quoted' it's.",
    "user@example.com tod@s @s hi@ there x@sy @sa x@s.b @s.",
    "don’t y’all l’arc ‘single’ “double” naïve café Straße ǰ İstanbul",
    "a \u0301b  x\u200dy  emoji 🙂 here — dash… ellipsis",
    "日本語のテキスト mixed with English",
    "tab\tsep\nnewline\r\nCRLF  double  space",
]


@pytest.mark.parametrize("text", TRICKY)
def test_matches_wordfreq_on_tricky_text(text: str) -> None:
    assert tokenize(text) == wordfreq.lossy_tokenize(text, "en")


def test_matches_wordfreq_on_real_transcripts() -> None:
    texts = real_texts()
    assert texts, "no real text found"
    for text in texts:
        assert tokenize(text) == wordfreq.lossy_tokenize(text, "en")


_ASCII = st.text(alphabet=st.sampled_from(list("abeyhiouAEZ019_:.,;'@s -\n\t\"()=%")), max_size=40)
_MIXED = st.text(
    alphabet=st.sampled_from(list("abeyo19_:.,'@ \n’‘“é\u0301\u200dßİ—🙂日")), max_size=30
)


@settings(max_examples=300, deadline=None)
@given(_ASCII)
def test_matches_wordfreq_on_generated_ascii(text: str) -> None:
    assert tokenize(text) == wordfreq.lossy_tokenize(text, "en")


@settings(max_examples=200, deadline=None)
@given(_MIXED)
def test_matches_wordfreq_on_generated_unicode(text: str) -> None:
    assert tokenize(text) == wordfreq.lossy_tokenize(text, "en")


def test_single_token() -> None:
    assert single_token("Watchers") == "watchers"
    assert single_token("grader’s") == "grader's"
    with pytest.raises(ValueError, match="2 tokens"):
        single_token("reward hacking")
    with pytest.raises(ValueError, match="no token"):
        single_token("...")
