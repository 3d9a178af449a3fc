"""Inspect logs: a tiny task run on mockllm, read back from .eval and .json logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from _ingest_helpers import rows, run


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from inspect_ai import Task, eval
    from inspect_ai.dataset import Sample
    from inspect_ai.model import ContentReasoning, ContentText, ModelOutput, ModelUsage, get_model
    from inspect_ai.scorer import match

    def output(*content: ContentReasoning | ContentText) -> ModelOutput:
        out = ModelOutput.from_content("mockllm/model", list(content))
        out.usage = ModelUsage(input_tokens=5, output_tokens=7, total_tokens=12, reasoning_tokens=3)
        return out

    task = Task(
        dataset=[
            Sample(id="plain", input="What is 3+4?", target="7"),
            Sample(id="summary", input="What is 4+4?", target="8"),
            Sample(id="hidden", input="What is 5+4?", target="9"),
        ],
        scorer=match(),
        name="arith",
    )
    log_dir = tmp_path_factory.mktemp("logs")
    found = {}
    for fmt in ("eval", "json"):
        outputs = [
            output(ContentReasoning(reasoning="3 plus 4 is 7."), ContentText(text="Answer: 7")),
            output(ContentReasoning(reasoning="opaque", summary="Added.", redacted=True),
                   ContentText(text="8")),
            output(ContentReasoning(reasoning="opaque", redacted=True), ContentText(text="10")),
        ]  # fmt: skip
        model = get_model("mockllm/model", custom_outputs=outputs)
        (log,) = eval(task, model=model, log_dir=str(log_dir / fmt), log_format=fmt, display="none")
        found[fmt] = Path(log.location)
    return found


@pytest.mark.parametrize("fmt", ["eval", "json"])
def test_inspect_log(tmp_path: Path, logs: dict[str, Path], fmt: str, no_network: None) -> None:
    result = run([logs[fmt]], tmp_path / "out")
    assert result.files[0].format == "inspect" and result.total("added") == 3
    plain, summary, hidden = rows(tmp_path / "out", order="prompt")  # logs keep finish order
    assert (plain["suite"], plain["model"], plain["model_id"]) == (
        "arith",
        "mockllm/model",
        "mockllm/model",
    )
    assert (plain["prompt"], plain["answer"], plain["outcome"]) == (
        "What is 3+4?",
        "Answer: 7",
        "C",
    )
    assert (plain["reasoning"], plain["reasoning_kind"]) == ("3 plus 4 is 7.", "text")
    assert (summary["reasoning"], summary["reasoning_kind"]) == ("Added.", "summary")
    assert (hidden["reasoning"], hidden["reasoning_kind"], hidden["outcome"]) == (
        None,
        "redacted",
        "I",
    )
    assert (plain["input_tokens"], plain["output_tokens"], plain["reasoning_tokens"]) == (5, 7, 3)
    assert plain["log_file"] == str(logs[fmt].resolve()) == plain["source"]
    assert plain["labels"]["scores"] == {"match": "C"} and plain["labels"]["target"] == "7"
    assert plain["metadata"]["inspect"]["sample_id"] == "plain"
    assert [m["role"] for m in plain["messages"]] == ["user", "assistant"]
    again = run([logs[fmt]], tmp_path / "out")
    assert (again.total("added"), again.total("unchanged")) == (0, 3)


def test_folder_of_logs(tmp_path: Path, logs: dict[str, Path]) -> None:
    result = run([logs["eval"].parent, logs["json"].parent], tmp_path / "out")
    assert [f.format for f in result.files] == ["inspect", "inspect"]
    assert result.total("added") == 6  # two evals: different eval ids, different samples
