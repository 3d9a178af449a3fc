"""The text tool-calling protocol of the local provider: rendering and parsing (no model)."""

from __future__ import annotations

import json

from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
)
from inspect_ai.tool import ToolCall, ToolCallError, ToolFunction, ToolInfo, ToolParams
from inspect_ai.tool._tool_params import ToolParam

from cotscope.models._provider import LocalModelArgs, assistant_reply
from cotscope.models._tool_protocol import (
    chat_dicts,
    parse_tool_calls,
    render_calls,
    tools_system_prompt,
)

READ = ToolInfo(
    name="read_file",
    description="Read a file.",
    parameters=ToolParams(
        properties={"path": ToolParam(type="string", description="Relative path.")},
        required=["path"],
    ),
)
THINK = ("<think>", "</think>")


def test_system_prompt_lists_tools_as_json_and_the_call_format() -> None:
    text = tools_system_prompt([READ])
    listed = json.loads(text.splitlines()[-1])
    assert listed["name"] == "read_file"
    assert listed["parameters"]["properties"]["path"]["type"] == "string"
    assert '<tool_call>{"name": "<tool name>"' in text
    assert "must call the tool 'read_file'" in tools_system_prompt([READ], required="read_file")


def test_parse_takes_calls_out_and_keeps_the_rest_of_the_text() -> None:
    text = (
        'Let me look.\n<tool_call>{"name": "read_file", "arguments": {"path": "a.txt"}}'
        '</tool_call>\n<tool_call>{"name": "list_files"}</tool_call>'
    )
    parsed = parse_tool_calls(text)
    assert parsed.text == "Let me look."
    assert [(c.function, c.arguments) for c in parsed.calls] == [
        ("read_file", {"path": "a.txt"}),
        ("list_files", {}),
    ]
    assert parsed.errors == []
    assert parsed.calls[0].id != parsed.calls[1].id
    assert parse_tool_calls(text).calls[0].id == parsed.calls[0].id  # deterministic


def test_malformed_calls_stay_as_text_with_an_error() -> None:
    text = 'Ok <tool_call>{"name": "read_file", "arguments": {path: a}}</tool_call> done'
    parsed = parse_tool_calls(text)
    assert parsed.calls == []
    assert "<tool_call>" in parsed.text and parsed.text.endswith("done")
    assert len(parsed.errors) == 1 and "not valid JSON" in parsed.errors[0]
    assert "no string 'name'" in parse_tool_calls('<tool_call>{"x": 1}</tool_call>').errors[0]
    bad_args = parse_tool_calls('<tool_call>{"name": "f", "arguments": [1]}</tool_call>')
    assert "not an object" in bad_args.errors[0]


def test_a_call_cut_off_by_the_token_limit() -> None:
    complete = parse_tool_calls('<tool_call>{"name": "list_files", "arguments": {}}')
    assert [c.function for c in complete.calls] == ["list_files"]
    cut = parse_tool_calls('<tool_call>{"name": "read_fi')
    assert cut.calls == [] and cut.errors and cut.text.startswith("<tool_call>")


def test_no_tool_tags_means_no_calls() -> None:
    parsed = parse_tool_calls("The answer is 4.")
    assert parsed.calls == [] and parsed.errors == [] and parsed.text == "The answer is 4."


def test_assistant_reply_parses_only_when_tools_were_offered() -> None:
    text = '<think>need the file</think><tool_call>{"name": "read_file", "arguments": {}}'
    message, errors = assistant_reply(text, LocalModelArgs(), "m", tools=True)
    assert message.tool_calls and message.tool_calls[0].function == "read_file"
    assert errors == []
    assert isinstance(message.content, list)  # reasoning kept apart
    plain, _ = assistant_reply(text, LocalModelArgs(), "m", tools=False)
    assert plain.tool_calls is None and "<tool_call>" in plain.text


def test_transcript_renders_calls_and_results_back() -> None:
    call = ToolCall(id="c1", function="read_file", arguments={"path": "a.txt"})
    messages = [
        ChatMessageSystem(content="Be brief."),
        ChatMessageUser(content="Read a.txt"),
        ChatMessageAssistant(content="Reading.", tool_calls=[call]),
        ChatMessageTool(content="hello", tool_call_id="c1", function="read_file"),
        ChatMessageTool(
            content="",
            tool_call_id="c2",
            function="read_file",
            error=ToolCallError("file_not_found", "no such file"),
        ),
    ]
    dicts = chat_dicts(messages, [READ], "auto", THINK)
    assert [d["role"] for d in dicts] == ["system", "user", "assistant", "user"]
    assert dicts[0]["content"].startswith("You can call tools.")
    assert dicts[0]["content"].endswith("Be brief.")
    assert dicts[2]["content"] == "Reading.\n" + render_calls("", [call])
    assert '<tool_response name="read_file">\nhello\n</tool_response>' in dicts[3]["content"]
    assert "ERROR: no such file" in dicts[3]["content"]
    assert parse_tool_calls(dicts[2]["content"]).calls[0].arguments == {"path": "a.txt"}


def test_tool_choice_none_hides_tools_and_a_function_is_required() -> None:
    user = [ChatMessageUser(content="hi")]
    assert chat_dicts(user, [READ], "none", THINK) == [{"role": "user", "content": "hi"}]
    forced = chat_dicts(user, [READ], ToolFunction("read_file"), THINK)
    assert forced[0]["role"] == "system" and "must call the tool" in forced[0]["content"]
