"""`tvaers validate PATH...`: validate KL delivery reports against the KL Gateway IGs."""

from __future__ import annotations

from pathlib import Path

import typer

from tvaers.errors import ServiceError

HELP = "Validate KL Gateway delivery reports (files, folders, .ndjson[.zst], - for stdin)."


def validate(
    paths: list[Path] = typer.Argument(None, help="Files or folders; - reads stdin."),
) -> None:
    """Validate delivery reports and print an OperationOutcome per report."""
    raise ServiceError("validation is not available yet in this build")
