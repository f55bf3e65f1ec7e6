"""`tvaers publish ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Human-facing outputs: annual reports, feedback, exports.", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""
