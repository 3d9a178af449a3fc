"""`cotscope suites`: list suites, variant families, ids and hashes, or show one variant."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Add the `suites` command."""
    app.command("suites")(suites)


def suites(
    show: Annotated[
        str | None,
        typer.Option(
            "--show",
            help="Print a suite's outcomes and families (reward_hints), or one variant's "
            "exact prompt (reward_hints/base).",
        ),
    ] = None,
    suite: Annotated[str | None, typer.Option("--suite", help="Only list this suite.")] = None,
) -> None:
    """List suites, variant families, variant ids and their text hashes."""
    from rich.console import Console
    from rich.table import Table

    from ..suites import get_suite, suite_names

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 140))  # piped output: don't squeeze ids
    if show is not None:
        name, _, variant_id = show.partition("/")
        try:
            s = get_suite(name)
        except KeyError as ex:
            raise typer.BadParameter(str(ex.args[0]), param_hint="--show") from None
        if not variant_id:
            console.print(f"[bold]{s.name}[/]: {s.description}", highlight=False)
            console.print(_outcome_table(s))
            counts = {f: sum(v.family == f for v in s.variants()) for f in s.families()}
            families = ", ".join(f"{f} ({n})" for f, n in counts.items())
            console.print(f"families: {families}", highlight=False)
            return
        match = [v for v in s.variants() if v.id == variant_id]
        if not match:
            raise typer.BadParameter(
                f"suite {name!r} has no variant {variant_id!r} (see `cotscope suites`)",
                param_hint="--show",
            )
        v = match[0]
        console.print(
            f"[bold]{v.full_id}[/] family={v.family} version={v.version} sha256={v.hash}",
            highlight=False,
        )
        if v.description:
            console.print(v.description, highlight=False)
        console.rule("prompt (exact bytes)")
        # Plain write: rich markup would eat `[...]` and the prompt must be shown verbatim.
        typer.echo(v.text)
        # Agentic variants start from workspace files; they are hashed with the text.
        workspace = v.scoring.get("workspace")
        if isinstance(workspace, dict):
            for path, content in workspace.items():
                console.rule(f"workspace file {path}")
                typer.echo(str(content).rstrip("\n"))
        console.rule()
        console.print(_outcome_table(s))
        return
    names = [suite] if suite else suite_names()
    for name in names:
        try:
            s = get_suite(name)
        except KeyError as ex:
            raise typer.BadParameter(str(ex.args[0]), param_hint="--suite") from None
        table = Table(title=f"{s.name}: {s.description}", title_justify="left")
        table.add_column("family", no_wrap=True)
        table.add_column("variant id", no_wrap=True)
        table.add_column("sha256[:12]", no_wrap=True)
        table.add_column("description")
        for v in s.variants():
            table.add_row(v.family, v.full_id, v.hash[:12], v.description)
        console.print(table)
        roles = ", ".join(
            o.name + (" (behaviour)" if o.of_interest else " (failure)" if o.failure else "")
            for o in s.outcomes
        )
        console.print(f"outcomes: {roles}", highlight=False)
        console.print(f"{len(s.variants())} variants in {len(s.families())} families\n")


def _outcome_table(s: Any) -> Any:
    """The suite's declared outcomes: label, role and definition."""
    from rich.table import Table

    table = Table(title="outcomes", title_justify="left")
    for col in ("outcome", "label", "role", "definition"):
        table.add_column(col, no_wrap=col != "definition")
    for o in s.outcomes:
        table.add_row(o.name, o.label, o.role, o.definition)
    return table
