"""What a model did in its workspace during one sample: the `Episode` record.

Kept apart from `_workspace` (the Inspect solver and tools) so that a suite's
criteria can read episodes without importing Inspect: importing a suite stays cheap.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Episode(BaseModel):
    """What the model did in its workspace during one sample."""

    files: dict[str, str] = Field(default_factory=dict)
    """Final contents of every regular file (each cut to the snapshot limit)."""
    actions: list[dict[str, Any]] = Field(default_factory=list)
    """Every tool call in order: tool, args, result, ok, exit_code."""
    submitted: str | None = None
    """The argument of the `submit` tool, when the model called it."""
    final_text: str = ""
    """Visible text of the model's last message."""
    turns: int = 0
    """Model turns taken."""
    stop: Literal["submitted", "answered", "turn-limit", "sample-limit", "not-run"] = "not-run"
    """Why the loop ended: submit called, a reply without tool calls, the turn
    bound, an Inspect sample limit, or never started."""

    @property
    def answer(self) -> str | None:
        """The model's final answer, None when it ran out of turns without one.

        The submitted text if it called `submit`, else its last reply when it
        stopped calling tools.
        """
        if self.submitted is not None:
            return self.submitted
        if self.stop == "answered":
            return self.final_text
        return None

    def calls(self, tool: str) -> list[dict[str, Any]]:
        """The logged calls of one tool."""
        return [a for a in self.actions if a.get("tool") == tool]
