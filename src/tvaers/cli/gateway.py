"""`tvaers gateway ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The municipal gateway: serve, clients, recipients, outbox, status.", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""
