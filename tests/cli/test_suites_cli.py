"""`cotscope suites`: the listing, one variant's exact bytes, and its workspace files."""

from typer.testing import CliRunner

from cotscope.cli import app
from cotscope.suites import get_suite

runner = CliRunner()


def test_show_prints_the_exact_prompt() -> None:
    result = runner.invoke(app, ["suites", "--show", "reward_hints/base"])
    assert result.exit_code == 0, result.output
    assert get_suite("reward_hints").select(["base"])[0].text in result.output


def test_show_prints_an_agentic_variants_workspace_files() -> None:
    variant = get_suite("covert_actions").select(["grader_tampering/treatment"])[0]
    result = runner.invoke(app, ["suites", "--show", variant.full_id])
    assert result.exit_code == 0, result.output
    for path, content in variant.scoring["workspace"].items():
        assert f"workspace file {path}" in result.output
        assert str(content).strip().splitlines()[0] in result.output


def test_show_names_an_unknown_variant() -> None:
    result = runner.invoke(app, ["suites", "--show", "covert_actions/nope"])
    assert result.exit_code != 0
    assert "no variant 'nope'" in result.output


def test_listing_names_every_suite() -> None:
    result = runner.invoke(app, ["suites"])
    assert result.exit_code == 0
    for name in ("reward_hints", "covert_actions", "ambiguity_ladder", "rubric_elicitation"):
        assert name in result.output
