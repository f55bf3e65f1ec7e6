"""`tvaers registry serve` and `tvaers registry users ...`: the quality-database dashboard.

Registered on the registry command group; kept apart from the registry's data commands.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import typer

from tvaers.cli.console import err
from tvaers.cli.registry import app

__all__ = ["app"]

users_app = typer.Typer(help="Dashboard users: add, list, disable.", no_args_is_help=True)
app.add_typer(users_app, name="users")

SETTINGS_HELP = "TOML settings file (TVAERS_DASHBOARD_* variables override it)."


def _settings(settings_file: Path | None, **overrides: Any) -> Any:
    from tvaers.publish.dashboard.settings import ENV_PREFIX, DashboardSettings
    from tvaers.settings import load_settings

    return load_settings(
        DashboardSettings, file=settings_file, env_prefix=ENV_PREFIX, overrides=overrides
    )


def _store(settings: Any) -> Any:
    from tvaers.publish.dashboard.users import UserStore

    return UserStore(
        settings.state_file,
        lockout_threshold=settings.lockout_threshold,
        lockout_minutes=settings.lockout_minutes,
        session_minutes=settings.session_minutes,
    )


@app.command("serve")
def serve(
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
    results: Path | None = typer.Option(
        None, "--results", help="Release folder (setting results_dir)."
    ),
    host: str | None = typer.Option(None, help="Interface to listen on (setting host)."),
    port: int | None = typer.Option(None, help="Port (setting port)."),
) -> None:
    """Serve the quality-database dashboard (sign-in required).

    Example: tvaers registry serve --results demo-output/registry --port 8090
    """
    import uvicorn

    from tvaers.publish.dashboard.app import create_app

    settings = _settings(settings_file, results_dir=results, host=host, port=port)
    application = create_app(settings)
    # Bind first so that port 0 resolves to a real port we can print before serving.
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(128)
    bound = sock.getsockname()[1]
    print(f"http://{settings.host}:{bound}/", flush=True)
    err.print(f"dashboard on http://{settings.host}:{bound}/ (results: {settings.results_dir})")
    config = uvicorn.Config(application, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


@users_app.command("add")
def add_user(
    username: str = typer.Argument(..., help="Sign-in name."),
    role: str = typer.Option(..., help="operator, analyst, region or municipality."),
    scope: list[str] = typer.Option(
        ..., help="Unit scope, repeatable: national, region:1084, municipality:101."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
) -> None:
    """Create a dashboard user (the password is asked for, or read from stdin).

    Example: tvaers registry users add kbh.kvalitet --role municipality --scope municipality:101
    """
    from tvaers.publish.dashboard.audit import AuditLog
    from tvaers.publish.dashboard.permissions import parse_scope

    settings = _settings(settings_file)
    entries = tuple(parse_scope(s) for s in scope)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    user = _store(settings).add(username, password, role, entries)
    AuditLog(settings.audit_log).record(
        "user.add", None, "allowed", target=user.username, role=role, scope=user.scope_text
    )
    err.print(f"user {user.username} added ({role}; {user.scope_text})")


@users_app.command("list")
def list_users(
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
) -> None:
    """List dashboard users with role, scope and status (tab-separated on stdout)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    for user in _store(_settings(settings_file)).list():
        status = (
            "disabled"
            if user.disabled
            else ("locked" if user.locked_until and user.locked_until > now else "active")
        )
        typer.echo(f"{user.username}\t{user.role}\t{user.scope_text}\t{status}")


@users_app.command("disable")
def disable_user(
    username: str = typer.Argument(..., help="The user to disable."),
    settings_file: Path | None = typer.Option(None, "--settings", help=SETTINGS_HELP),
) -> None:
    """Disable a dashboard user and end its sessions."""
    from tvaers.publish.dashboard.audit import AuditLog

    settings = _settings(settings_file)
    _store(settings).disable(username)
    AuditLog(settings.audit_log).record("user.disable", None, "allowed", target=username)
    err.print(f"user {username} disabled")
