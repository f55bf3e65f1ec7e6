"""`tvaers publish ...` commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from tvaers.cli.console import err, out

app = typer.Typer(
    help="Human-facing outputs: annual reports, feedback, exports.", no_args_is_help=True
)


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""


@app.command("build")
def build_command(
    results: Path = typer.Option(
        ..., "--results", help="Folder (or file) with the registry's results table."
    ),
    out_dir: Path = typer.Option(..., "--out", help="Folder to write the release into (created)."),
    definitions: Path | None = typer.Option(
        None, help="Definition YAML folder [default: RESULTS/definitions]."
    ),
    gateway_stats: Path | None = typer.Option(
        None, help="Gateway statistics folder [default: RESULTS/gateway]."
    ),
    settings_file: Path | None = typer.Option(None, "--settings", help="TOML settings file."),
    publisher: str | None = typer.Option(
        None, help="Publisher name shown in reports and Measures."
    ),
    generated: str | None = typer.Option(
        None, help="Release date shown on pages (YYYY-MM-DD) [default: today]."
    ),
) -> None:
    """Build annual reports, municipal feedback pages and exports from one results release.

    Example: tvaers publish build --results demo-output/registry --out demo-output/publish
    """
    from tvaers.errors import InputError
    from tvaers.publish.build import build
    from tvaers.publish.settings import ENV_PREFIX, PublishSettings
    from tvaers.settings import load_settings

    settings = load_settings(
        PublishSettings,
        file=settings_file,
        env_prefix=ENV_PREFIX,
        overrides={"publisher": publisher},
    )
    try:
        day = date.fromisoformat(generated) if generated else None
    except ValueError as exc:
        raise InputError(f"--generated must be YYYY-MM-DD, got {generated!r}") from exc
    with err.status("building the release"):
        summary = build(
            results,
            out_dir,
            settings,
            definitions=definitions,
            gateway=gateway_stats,
            generated=day,
        )
    err.print(
        f"{summary.rows} results rows ({summary.suppressed} suppressed), {len(summary.files)} files"
    )
    out.print(str(out_dir / "index.html"))
