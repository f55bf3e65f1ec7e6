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
    workers: int = typer.Option(None, "--workers", help="HTTP worker processes (default 1)."),
    organisations: Path = typer.Option(None, "--organisations", help="organisations.parquet"),
    environment: str = typer.Option(None, "--environment", help="development|test|production"),
    settings_file: Path = SETTINGS,
) -> None:
    """Run the gateway HTTP server; prints its base URL on stdout once listening."""
    from tvaers.gateway.server import run

    settings = _settings(
        settings_file, db=db, port=port, host=host, workers=workers,
        organisations=organisations, environment=environment,
    )  # fmt: skip

    def announce(url: str) -> None:
        print(url, flush=True)
        err.print(f"gateway listening on {url} (pid {os.getpid()}, {settings.workers} worker(s))")

    run(settings, announce)


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


recipients_app = typer.Typer(help="Recipients and their data agreements.", no_args_is_help=True)
outbox_app = typer.Typer(
    help="The push outbox: run the worker, list, replay.", no_args_is_help=True
)
app.add_typer(recipients_app, name="recipients")
app.add_typer(outbox_app, name="outbox")


def _forwarder(settings: Any) -> Any:
    from tvaers.gateway.forwarding.service import Forwarder
    from tvaers.gateway.settings import parse_pseudonym_keys
    from tvaers.validation import ValidationOptions

    keys = dict(parse_pseudonym_keys(settings.pseudonym_keys))
    options = ValidationOptions(cpr_mode=settings.cpr_mode)
    return Forwarder(_store(settings), keys, options, settings.feed_page_size)


def _actor(operator: str | None) -> str:
    return f"cli:{operator or os.environ.get('USER', 'operator')}"


@app.command()
def stats(
    out_dir: Path = typer.Option(..., "--out", help="Folder for coverage/rejects/lag.parquet."),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Write non-personal data-quality statistics per municipality x IG x month.

    Accepted and rejected counts, rejects by rule key with the Danish explanation, and
    the lag from Bundle.timestamp to receipt: the input of the municipal feedback pages
    (`tvaers publish build --gateway-stats DIR`).

    Example: tvaers gateway stats --out release-input/gateway
    """
    from tvaers.gateway.api.meta import rule_catalogue
    from tvaers.gateway.quality_stats import export

    store = _store(_settings(settings_file, db=db))
    try:
        with store.db.read() as conn:
            counts = export(conn, rule_catalogue(), out_dir)
    finally:
        store.close()
    for name, rows in counts.items():
        out.print(f"{name}\t{rows}")
    err.print(f"wrote data-quality statistics to {out_dir}")


@recipients_app.command("add")
def recipients_add(
    file: Path = typer.Argument(..., help="Agreement TOML (see `recipients schema`)."),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Register a recipient from its agreement file."""
    from tvaers.gateway.agreements import load_agreement

    agreement = load_agreement(file)
    forwarder = _forwarder(_settings(settings_file, db=db))
    recipient = forwarder.recipients.add(agreement)
    forwarder.store.close()
    err.print(
        f"recipient {recipient.recipient_id!r} added ({agreement.delivery}, {agreement.identity}); "
        f"give it a client: tvaers gateway clients add NAME --role recipient "
        f"--recipient {recipient.recipient_id}"
    )


@recipients_app.command("update")
def recipients_update(
    file: Path = typer.Argument(..., help="The changed agreement TOML."),
    operator: str = typer.Option(None, "--operator", help="Who changes it (audited)."),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Replace a recipient's agreement; what it newly covers is backfilled once."""
    from tvaers.gateway.agreements import load_agreement

    agreement = load_agreement(file)
    forwarder = _forwarder(_settings(settings_file, db=db))
    queued = forwarder.recipients.update(agreement, actor=_actor(operator))
    forwarder.store.close()
    err.print(f"recipient {agreement.recipient_id!r} updated; {queued} backfill report(s) queued")


@recipients_app.command("list")
def recipients_list(
    fmt: str = typer.Option("text", "--format", help="text|json"),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """List recipients with their agreements."""
    forwarder = _forwarder(_settings(settings_file, db=db))
    rows = forwarder.recipients.all()
    forwarder.store.close()
    if fmt == "json":
        print(json.dumps([{**r.agreement.document(), "version": r.version,
                           "key_version": r.key_version, "revoked_at": r.revoked_at}
                          for r in rows], indent=2))  # fmt: skip
        return
    for r in rows:
        a = r.agreement
        state = "revoked" if r.revoked_at else "active"
        out.print(f"{a.recipient_id}\t{a.delivery}\t{a.identity}\t{','.join(a.igs)}\t"
                  f"{a.population}\t{state}\t{a.legal_basis}", highlight=False)  # fmt: skip


@recipients_app.command("revoke")
def recipients_revoke(recipient_id: str, db: str = DB, settings_file: Path = SETTINGS) -> None:
    """End a recipient: nothing more is forwarded to it."""
    forwarder = _forwarder(_settings(settings_file, db=db))
    forwarder.recipients.revoke(recipient_id)
    forwarder.store.close()
    err.print(f"recipient {recipient_id!r} revoked")


@recipients_app.command("population")
def recipients_population(
    recipient_id: str,
    file: Path = typer.Argument(..., help="CPR numbers, one per line (replaces the list)."),
    operator: str = typer.Option(None, "--operator", help="Who changes it (audited)."),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Replace a list population (recipients can also PUT it through the API)."""
    from tvaers.terminology.cpr import cpr_problem

    cprs = [line.strip() for line in file.read_text().splitlines() if line.strip()]
    bad = [n + 1 for n, c in enumerate(cprs) if cpr_problem(c, "synthetic") is not None]
    if bad:
        raise InputError(f"{file}: line(s) {', '.join(map(str, bad[:10]))} are not CPR numbers")
    forwarder = _forwarder(_settings(settings_file, db=db))
    added, removed, queued = forwarder.recipients.set_population(
        recipient_id, cprs, actor=_actor(operator)
    )
    forwarder.store.close()
    err.print(f"{added} added, {removed} removed, {queued} backfill report(s) queued")


@recipients_app.command("rekey")
def recipients_rekey(
    recipient_id: str,
    operator: str = typer.Option(None, "--operator", help="Who does it (audited)."),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Move a pseudonym recipient to the newest key version (backfills everything)."""
    forwarder = _forwarder(_settings(settings_file, db=db))
    queued = forwarder.recipients.rekey(recipient_id, actor=_actor(operator))
    forwarder.store.close()
    err.print(f"{queued} backfill report(s) queued with the new pseudonyms")


@recipients_app.command("schema")
def recipients_schema() -> None:
    """Print the agreement JSON Schema."""
    from tvaers.gateway.agreements import schema

    print(json.dumps(schema(), indent=2, ensure_ascii=False))


@outbox_app.command("run")
def outbox_run(
    once: bool = typer.Option(False, "--once", help="One pass over the push recipients."),
    until_idle: bool = typer.Option(False, "--until-idle", help="Stop when nothing is due."),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Run the push worker (also runs inside `serve` unless outbox_worker = false)."""
    from tvaers.gateway import logs
    from tvaers.gateway.faults import Faults
    from tvaers.gateway.forwarding.outbox import Outbox
    from tvaers.gateway.worker import OutboxThread, drain

    settings = _settings(settings_file, db=db)
    logs.configure(settings.log_format, settings.log_level)
    forwarder = _forwarder(settings)
    forwarder.store.arm(Faults.from_environ())
    outbox = Outbox(forwarder, faults=forwarder.store.faults,
                    max_attempts=settings.outbox_max_attempts)  # fmt: skip
    if once or until_idle:
        done = outbox.run_once() if once else drain(outbox)
        forwarder.store.close()
        err.print(f"{done} delivery attempt(s)")
        return
    worker = OutboxThread(outbox, settings.outbox_interval)
    worker.start()
    try:
        while worker._thread is not None and worker._thread.is_alive():
            worker._thread.join(3600)
    finally:
        worker.stop()
        forwarder.store.close()


@outbox_app.command("list")
def outbox_list(
    status: str = typer.Option(None, "--status", help="pending|delivered|dead"),
    fmt: str = typer.Option("text", "--format", help="text|json"),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """List push deliveries."""
    from tvaers.gateway.forwarding.outbox import Outbox

    forwarder = _forwarder(_settings(settings_file, db=db))
    rows = Outbox(forwarder).listing(status)
    forwarder.store.close()
    if fmt == "json":
        print(json.dumps([asdict(d) for d in rows], indent=2))
        return
    for d in rows:
        out.print(f"{d.id}\t{d.recipient_id}\t{d.status}\t{d.attempts}\t{d.report_count}\t"
                  f"{d.from_position}-{d.to_position}\t{d.last_error or ''}", highlight=False)  # fmt: skip


@outbox_app.command("replay")
def outbox_replay(delivery_id: int, db: str = DB, settings_file: Path = SETTINGS) -> None:
    """Make a dead delivery due again (same bytes, same idempotency key)."""
    from tvaers.gateway.forwarding.outbox import Outbox

    forwarder = _forwarder(_settings(settings_file, db=db))
    delivery = Outbox(forwarder).replay(delivery_id)
    forwarder.store.close()
    err.print(f"delivery {delivery.id} to {delivery.recipient_id!r} is due again")


@app.command()
def status(
    fmt: str = typer.Option("text", "--format", help="text|json"),
    db: str = DB,
    settings_file: Path = SETTINGS,
) -> None:
    """Per recipient lag, backlog, dead letters; per municipality throughput and rejects."""
    from tvaers.gateway.status import gateway_status

    forwarder = _forwarder(_settings(settings_file, db=db))
    document = gateway_status(forwarder)
    forwarder.store.close()
    if fmt == "json":
        print(json.dumps(document, indent=2))
        return
    out.print(f"reports {document['reports']}, feed head {document['feed']['head']}, "
              f"pending {document['feed']['pending']}", highlight=False)  # fmt: skip
    for r in document["recipients"]:
        out.print(f"recipient {r['recipient_id']}\t{r['delivery']}\tbacklog {r['backlog']}\t"
                  f"lag {r['lag_seconds']}s\tdead {r['dead_letters']}\tlast {r['last_success']}",
                  highlight=False)  # fmt: skip
    for m in document["municipalities"]:
        out.print(f"kommune {m['kommunekode']}\t24h {m['accepted_24h']} accepted, "
                  f"{m['rejected_24h']} rejected\tlag p50 {m['receipt_lag_p50_seconds']}s",
                  highlight=False)  # fmt: skip
