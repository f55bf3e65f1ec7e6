"""`tvaers views ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="SQL-on-FHIR v2 ViewDefinitions: run, conformance.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""
