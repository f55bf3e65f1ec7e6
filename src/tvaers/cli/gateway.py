"""`tvaers gateway ...`: serve the gateway, manage clients, answer access requests.

Examples::

    tvaers gateway serve --db sqlite:///gw.db --port 0 --organisations out/organisations.parquet
    tvaers gateway clients add vendor-a --name "EOJ A" --kommune 101 --kommune 147
    tvaers gateway clients import out/clients.toml --credentials-out creds.toml
    tvaers gateway audit --cpr 0101570001 --operator alice
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from tvaers.cli.console import err, out
from tvaers.errors import InputError

app = typer.Typer(
    help="The municipal gateway: serve, clients, recipients, outbox, status.", no_args_is_help=True
)
clients_app = typer.Typer(help="API clients and their bearer tokens.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")

DB = typer.Option(None, "--db", help="Database URL or SQLite path (env TVAERS_GATEWAY_DB).")
SETTINGS = typer.Option(None, "--settings", help="Settings TOML file.", exists=True)


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""


def _settings(settings_file: Path | None, **flags: Any) -> Any:
    from tvaers.gateway.settings import load_gateway_settings

    return load_gateway_settings(file=settings_file, overrides=flags)


def _store(settings: Any) -> Any:
    from tvaers.gateway.store import GatewayStore

    return GatewayStore.open(
        settings.db, token_pepper=settings.token_pepper, migrate=settings.auto_migrate
    )


@app.command()
def serve(
    db: str = DB,
    port: int = typer.Option(None, "--port", help="TCP port; 0 picks a free one and prints it."),
    host: str = typer.Option(None, "--host", help="Interface to bind (default 127.0.0.1)."),
    organisations: Path = typer.Option(None, "--organisations", help="organisations.parquet"),
    environment: str = typer.Option(None, "--environment", help="development|test|production"),
    settings_file: Path = SETTINGS,
) -> None:
    """Run the gateway HTTP server; prints its base URL on stdout once listening."""
    import uvicorn

    from tvaers.gateway import logs
    from tvaers.gateway.app import create_app

    settings = _settings(
        settings_file, db=db, port=port, host=host, organisations=organisations,
        environment=environment,
    )  # fmt: skip
    logs.configure(settings.log_format, settings.log_level)
    application = create_app(settings)
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    bound = sock.getsockname()[1]
    print(f"http://{settings.host}:{bound}", flush=True)
    err.print(f"gateway listening on http://{settings.host}:{bound} (pid {os.getpid()})")
    config = uvicorn.Config(application, log_config=None, access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


@app.command()
def migrate(db: str = DB, settings_file: Path = SETTINGS) -> None:
    """Bring the database schema to the newest revision."""
    settings = _settings(settings_file, db=db)
    store = _store(settings)
    out.print(f"schema at revision {store.db.revision()}")
    store.close()


@clients_app.command("add")
def clients_add(
    client_id: str = typer.Argument(..., help="Client id, e.g. eoj-vendor-a."),
    name: str = typer.Option(..., "--name", help="Human-readable name."),
    role: str = typer.Option("municipality", "--role", help="municipality|recipient|operator"),
    kommune: list[str] = typer.Option([], "--kommune", help="Kommunekode (repeatable)."),
    recipient: str = typer.Option(None, "--recipient", help="Recipient id (recipient role)."),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Register a client; prints its bearer token once (store it safely)."""
    store = _store(_settings(settings_file, db=db))
    token = store.clients.add(client_id, name, role, kommune, recipient)
    store.close()
    print(token)
    err.print(f"client {client_id!r} added; the token above is shown only once")


@clients_app.command("list")
def clients_list(
    fmt: str = typer.Option("text", "--format", help="text|json"),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """List clients with role, municipalities and state (never tokens)."""
    store = _store(_settings(settings_file, db=db))
    rows = store.clients.all()
    store.close()
    if fmt == "json":
        print(json.dumps([asdict(c) for c in rows], indent=2))
        return
    for c in rows:
        state = "revoked" if c.revoked_at else "active"
        scope = ",".join(c.kommunekoder) or c.recipient_id or "-"
        out.print(f"{c.client_id}\t{c.role}\t{scope}\t{state}\t{c.name}", highlight=False)


@clients_app.command("revoke")
def clients_revoke(client_id: str, db: str = DB, settings_file: Path = SETTINGS) -> None:
    """Revoke a client; its token stops working immediately."""
    store = _store(_settings(settings_file, db=db))
    store.clients.revoke(client_id)
    store.close()
    err.print(f"client {client_id!r} revoked")


@clients_app.command("rotate")
def clients_rotate(client_id: str, db: str = DB, settings_file: Path = SETTINGS) -> None:
    """Issue a new token for a client; the old one stops working immediately."""
    store = _store(_settings(settings_file, db=db))
    token = store.clients.rotate(client_id)
    store.close()
    print(token)


@clients_app.command("import")
def clients_import(
    file: Path = typer.Argument(..., help="clients.toml from `tvaers synth generate`."),
    credentials_out: Path = typer.Option(
        ..., "--credentials-out", help="Write client ids and tokens here (mode 0600)."
    ),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Register every new client of a clients.toml and write their tokens to a file."""
    import tomli_w

    store = _store(_settings(settings_file, db=db))
    created = store.clients.import_toml(file)
    store.close()
    document = {
        "clients": [
            {"client_id": c.client_id, "name": c.name, "kommunekoder": list(c.kommunekoder),
             "role": c.role, "token": token}
            for c, token in created
        ]
    }  # fmt: skip
    credentials_out.touch(mode=0o600, exist_ok=True)
    credentials_out.chmod(0o600)
    credentials_out.write_bytes(tomli_w.dumps(document).encode())
    err.print(f"{len(created)} client(s) imported; tokens written to {credentials_out}")


@app.command()
def audit(
    cpr: str = typer.Option(..., "--cpr", help="The citizen's CPR number."),
    operator: str = typer.Option(
        os.environ.get("USER", "operator"), "--operator", help="Who asks (logged)."
    ),
    purpose: str = typer.Option("access request", "--purpose", help="Why (logged)."),
    fmt: str = typer.Option("text", "--format", help="text|json"),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Every access to one citizen's data (a citizen's access request; operator only)."""
    from tvaers.terminology.cpr import cpr_problem

    if cpr_problem(cpr, "synthetic") is not None:
        raise InputError("--cpr must be a 10-digit CPR number")
    store = _store(_settings(settings_file, db=db))
    events = store.audit.for_citizen(cpr, asked_by=f"cli:{operator}", purpose=purpose)
    store.close()
    if fmt == "json":
        print(json.dumps([asdict(e) for e in events], indent=2))
        return
    for e in events:
        out.print(f"{e.at}\t{e.actor}\t{e.role}\t{e.action}\t{e.report_id or '-'}\t{e.purpose}",
                  highlight=False)  # fmt: skip
    err.print(f"{len(events)} access(es)")
