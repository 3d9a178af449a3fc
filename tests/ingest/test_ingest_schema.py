"""The shipped JSON Schema, the message normalizer, and the fast path's agreement with the slow."""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from cotscope.cli import app
from cotscope.ingest import RecordError, TranscriptRecord, render_schema, shipped_schema
from cotscope.ingest._adapt import FieldMap
from cotscope.ingest._messages import normalize_messages, split_think
from cotscope.ingest._parse import RecordParser
from cotscope.ingest._rows import Constants, Known, RecordContext, RowBuilder
from cotscope.ingest._sources import RawRecord


def test_shipped_schema_is_generated_from_the_model() -> None:
    assert shipped_schema() == TranscriptRecord.model_json_schema() | {
        k: v for k, v in shipped_schema().items() if k in ("$schema", "anyOf")
    }
    result = CliRunner().invoke(app, ["ingest", "--print-schema"])
    assert result.exit_code == 0 and result.output == render_schema()
    from importlib import resources

    text = resources.files("cotscope.ingest").joinpath("transcript.schema.json").read_text()
    assert text == render_schema(), (
        "regenerate: cotscope ingest --print-schema > .../transcript.schema.json"
    )


@pytest.mark.parametrize(
    ("record", "valid"),
    [
        ({"prompt": "p", "answer": "a", "outcome": True, "step": 3}, True),
        ({"messages": [{"role": "user", "content": "hi"}]}, True),
        ({"reasoning": "r", "labels": {"x": [1]}, "anything": {"else": 1}}, True),
        ({"id": 5, "answer": "a"}, True),
        ({"step": 3}, False),  # no transcript
        ({"prompt": "p", "step": -1}, False),
        ({"prompt": 1}, False),
        ({"prompt": "p", "reasoning_kind": "vibes"}, False),
        ({"messages": [{"role": "user", "content": "hi", "bogus": 1}]}, False),
    ],
)
def test_schema_and_model_agree(record: dict[str, Any], valid: bool) -> None:
    validator = jsonschema.Draft202012Validator(shipped_schema())
    assert validator.is_valid(record) is valid
    try:
        rec = TranscriptRecord.model_validate(record)
        model_valid = bool(rec.messages or rec.prompt or rec.reasoning or rec.answer)
    except ValidationError:
        model_valid = False
    assert model_valid is valid


@pytest.mark.parametrize(
    ("text", "reasoning", "visible"),
    [
        ("no tags here", None, "no tags here"),
        ("<think>plan</think>Answer: 7", "plan", "Answer: 7"),
        ("<thinking>a</thinking> x <thinking>b</thinking> y", "a\n\nb", "x  y"),
        ("<think>cut off mid-thou", "cut off mid-thou", ""),
        (
            "template put the open tag in the prompt</think>\n7",
            "template put the open tag in the prompt",
            "7",
        ),
        ("I think therefore 7", None, "I think therefore 7"),
    ],
)
def test_split_think(text: str, reasoning: str | None, visible: str) -> None:
    assert split_think(text) == (reasoning, visible)


def test_normalize_messages_errors_name_the_element() -> None:
    with pytest.raises(RecordError) as err:
        normalize_messages([{"role": "user", "content": "a"}, {"role": "assistant", "content": 5}])
    assert err.value.field == "messages[1].content"
    with pytest.raises(RecordError) as err:
        normalize_messages(
            [{"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}]
        )
    assert err.value.field == "messages[0].tool_calls[0]"
    with pytest.raises(RecordError) as err:
        normalize_messages("hello")
    assert err.value.field == "messages"


text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)
records = st.fixed_dictionaries(
    {"prompt": text},
    optional={
        "id": st.one_of(text, st.integers(0, 10**6)),
        "model_id": text,
        "step": st.integers(0, 10**9),
        "suite": text,
        "variant": text,
        "reasoning": text,
        "answer": text,
        "outcome": st.one_of(text, st.booleans()),
        "labels": st.dictionaries(text, st.one_of(text, st.integers(), st.booleans()), max_size=3),
        "metadata": st.dictionaries(text, text, max_size=3),
    },
)


@settings(max_examples=150, deadline=None)
@given(records)
def test_fast_path_builds_the_same_rows_as_the_reference_path(record: dict[str, Any]) -> None:
    import json

    line = json.dumps(record).encode()
    fast = RecordParser(FieldMap(), "cotscope").parse(RawRecord(1, raw=line))
    slow = RecordParser(FieldMap(), "cotscope").parse(RawRecord(1, data=json.loads(line)))
    ctx = RecordContext("src", 0, "stem", "cotscope")
    constants = Constants("r")
    row_fast = RowBuilder(constants, Known()).build(fast, ctx, 1)
    row_slow = RowBuilder(constants, Known()).build(slow, ctx, 1)
    assert row_fast == row_slow
