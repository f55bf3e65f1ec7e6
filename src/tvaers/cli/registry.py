"""`tvaers registry ...` data commands: imports and indicator runs.

`serve` and `users` are registered on the same group by :mod:`tvaers.cli.dashboard`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from tvaers.cli.console import err

app = typer.Typer(
    help="Quality databases: imports, sync, run, explain, population, serve, users.",
    no_args_is_help=True,
)

RegistryDir = Annotated[
    Path | None,
    typer.Option("--registry", help="Registry directory (default: setting registry_dir)."),
]
KeyFile = Annotated[
    Path | None, typer.Option("--key-file", help="Pseudonymisation key (setting key_file).")
]
SettingsFile = Annotated[Path | None, typer.Option("--settings", help="Settings TOML file.")]
CprModeOpt = Annotated[
    str | None, typer.Option("--cpr-mode", help="dk-core (default) or synthetic.")
]
Cutoff = Annotated[
    str | None,
    typer.Option("--data-cutoff", help="Date the extract was drawn (YYYY-MM-DD).", metavar="DATE"),
]


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""


def _settings(settings: Path | None, **overrides: Any) -> Any:
    from tvaers.registry.settings import registry_settings

    return registry_settings(settings, **overrides)


def _parse_date(value: str | None, option: str) -> date | None:
    from tvaers.errors import InputError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{option} {value!r} is not a date", hint="write YYYY-MM-DD") from exc


def _import(
    group: str,
    directory: Path,
    registry: Path | None,
    key_file: Path | None,
    settings: Path | None,
    cpr_mode: str | None,
    data_cutoff: str | None,
) -> None:
    from tvaers.registry.imports import import_group
    from tvaers.registry.pseudonym import load_or_create_key
    from tvaers.registry.store import RegistryStore

    conf = _settings(settings, registry_dir=registry, key_file=key_file, cpr_mode=cpr_mode)
    key = load_or_create_key(conf.resolved_key_file())
    done = import_group(
        RegistryStore(conf.registry_dir),
        key,
        group,
        directory,
        cpr_mode=conf.cpr_mode,
        data_cutoff=_parse_date(data_cutoff, "--data-cutoff"),
    )
    for item in done:
        typer.echo(f"{item.table}\t{item.rows}\tdata cut-off {item.data_cutoff}")
    err.print(f"imported {len(done)} table(s) into {conf.registry_dir}")


@app.command("import-lpr")
def import_lpr(
    directory: Annotated[Path, typer.Argument(help="Folder with lpr_*.parquet.")],
    registry: RegistryDir = None,
    key_file: KeyFile = None,
    settings: SettingsFile = None,
    cpr_mode: CprModeOpt = None,
    data_cutoff: Cutoff = None,
) -> None:
    """Import an LPR3 extract (lpr_contacts, lpr_diagnoses, lpr_procedures).

    Example: tvaers registry import-lpr out/synth --registry reg --cpr-mode synthetic
    """
    _import("lpr", directory, registry, key_file, settings, cpr_mode, data_cutoff)


@app.command("import-cpr")
def import_cpr(
    directory: Annotated[
        Path, typer.Argument(help="Folder with cpr.parquet, cpr_residence.parquet.")
    ],
    registry: RegistryDir = None,
    key_file: KeyFile = None,
    settings: SettingsFile = None,
    cpr_mode: CprModeOpt = None,
    data_cutoff: Cutoff = None,
) -> None:
    """Import a CPR extract (persons with death/emigration dates, residence history).

    Example: tvaers registry import-cpr out/synth --registry reg --cpr-mode synthetic
    """
    _import("cpr", directory, registry, key_file, settings, cpr_mode, data_cutoff)


@app.command("import-organisations")
def import_organisations(
    path: Annotated[Path, typer.Argument(help="organisations.parquet or its folder.")],
    registry: RegistryDir = None,
    key_file: KeyFile = None,
    settings: SettingsFile = None,
    data_cutoff: Cutoff = None,
) -> None:
    """Import the dated organisation table (and responsible_authority.parquet if present).

    Example: tvaers registry import-organisations out/synth/organisations.parquet --registry reg
    """
    _import("organisations", path, registry, key_file, settings, None, data_cutoff)
