"""`tvaers registry ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Quality databases: imports, sync, run, explain, population, serve, users.",
    no_args_is_help=True,
)


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""
