"""`tvaers registry ...` data commands: imports and indicator runs.

`serve` and `users` are registered on the same group by :mod:`tvaers.cli.dashboard`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from tvaers.cli.console import err, progress

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


def _overrides(values: list[str] | None) -> dict[str, Any]:
    """``--set name=value`` pairs; values are read as YAML (numbers, lists, text)."""
    import yaml

    from tvaers.errors import InputError

    found: dict[str, Any] = {}
    for item in values or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise InputError(
                f"--set {item!r} is not name=value", hint="e.g. --set follow_up_days=60"
            )
        found[name.strip()] = yaml.safe_load(raw)
    return found


@app.command("run")
def run(
    database: Annotated[
        str, typer.Option("--database", help="Definition file, or a shipped id (heart, copd).")
    ],
    period: Annotated[str, typer.Option("--period", help="Year (2025) or month (2025-03).")],
    engine: Annotated[str, typer.Option("--engine", help="duckdb (default) or spark.")] = "duckdb",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use only what was known on DATE.", metavar="DATE")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: <registry>/results/<db>/<period>)."),
    ] = None,
    ci_method: Annotated[
        str | None,
        typer.Option("--ci-method", help="wilson or clopper-pearson (default: definition)."),
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="Only these indicators (repeatable).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a definition parameter: name=value.")
    ] = None,
    registry: RegistryDir = None,
    settings: SettingsFile = None,
) -> None:
    """Compute a quality database's indicators for a period; write results and unit buckets.

    Writes results.parquet, results.csv (machine), results_excel.csv (Danish Excel) and
    units.parquet (bucket and rule flags per person/course). Prints the national rows.

    Example: tvaers registry run --database heart --period 2025 --registry reg
    """
    from tvaers.errors import ConfigError
    from tvaers.registry.runs import run_database
    from tvaers.registry.store import RegistryStore
    from tvaers.stats import CI_METHODS

    if ci_method is not None and ci_method not in CI_METHODS:
        raise ConfigError(f"--ci-method {ci_method!r}", hint=f"valid: {', '.join(CI_METHODS)}")
    conf = _settings(settings, registry_dir=registry)
    result = run_database(
        database,
        RegistryStore(conf.registry_dir),
        period,
        engine=engine,
        as_of=_parse_date(as_of, "--as-of"),
        out=out,
        suppression_threshold=conf.suppression_threshold,
        ci_method=ci_method,
        indicators=indicator or None,
        overrides=_overrides(set_),
    )
    typer.echo("indicator\tnumerator\tdenominator\tuoplyst\texcluded\tproportion\tci_low\tci_high")
    for r in result.rows:
        if r["unit_type"] != "national":
            continue
        cells = [r["indicator"], r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]]
        cells += [
            "" if r[k] is None else f"{r[k]:.4f}" for k in ("proportion", "ci_low", "ci_high")
        ]
        typer.echo("\t".join(str(c) for c in cells))
    err.print(
        f"{result.database.id} {period}: {len(result.rows)} result rows, "
        f"{result.units.num_rows} units, data cut-off {result.data_cutoff}, "
        f"{result.seconds:.1f} s -> {result.files[0].parent}",
        highlight=False,
    )


@app.command("import-reports")
def import_reports_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of delivery reports (reports/YYYY-MM-DD/*.ndjson.zst).")
    ],
    registry: RegistryDir = None,
    key_file: KeyFile = None,
    settings: SettingsFile = None,
    cpr_mode: CprModeOpt = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Replay the whole report log (after a view change).")
    ] = False,
) -> None:
    """Import delivery reports from files: fold per citizen, flatten with the shipped views.

    Reports already received (same citizen and Bundle.id) are skipped; only citizens with new
    reports are folded again. The flat municipal tables (one per profile of the care, §140
    and §119 IGs, with full version history), coverage and the report log are written in
    one step.

    Example: tvaers registry import-reports out/synth/reports --registry reg --cpr-mode synthetic
    """
    from tvaers.registry.pseudonym import load_or_create_key
    from tvaers.registry.reports import import_reports
    from tvaers.registry.store import RegistryStore

    conf = _settings(settings, registry_dir=registry, key_file=key_file, cpr_mode=cpr_mode)
    key = load_or_create_key(conf.resolved_key_file())
    done = import_reports(
        RegistryStore(conf.registry_dir), key, directory, cpr_mode=conf.cpr_mode, rebuild=rebuild
    )
    for table, rows in sorted(done.items()):
        typer.echo(f"{table}\t{rows}")
    err.print(f"imported {len(done)} table(s) from {directory} into {conf.registry_dir}")


@app.command("sync")
def sync_command(
    gateway: Annotated[
        str, typer.Option("--gateway", help="Gateway base URL, e.g. https://gw.example")
    ],
    recipient: Annotated[str, typer.Option("--recipient", help="This registry's recipient id.")],
    since: Annotated[
        str, typer.Option("--since", help="First run only: feed start instant.", metavar="INSTANT")
    ] = "1970-01-01T00:00:00Z",
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file", help="Bearer token file (else $TVAERS_REGISTRY_GATEWAY_TOKEN)."
        ),
    ] = None,
    max_pages: Annotated[
        int | None, typer.Option("--max-pages", help="Stop after N pages.")
    ] = None,
    registry: RegistryDir = None,
    key_file: KeyFile = None,
    settings: SettingsFile = None,
    cpr_mode: CprModeOpt = None,
) -> None:
    """Pull the gateway's incremental feed as a cpr recipient; resumable, page by page.

    Pages are committed in batches together with the next cursor (the acknowledgement), so
    a stopped sync continues after the last committed page.

    Example: tvaers registry sync --gateway http://127.0.0.1:8080 --recipient rkkp --token-file rkkp.token
    """
    import os

    import httpx

    from tvaers.errors import ConfigError
    from tvaers.registry.pseudonym import load_or_create_key
    from tvaers.registry.store import RegistryStore
    from tvaers.registry.sync import sync

    token = (
        token_file.read_text().strip()
        if token_file
        else os.environ.get("TVAERS_REGISTRY_GATEWAY_TOKEN")
    )
    if not token:
        raise ConfigError(
            "no gateway token", hint="give --token-file or set TVAERS_REGISTRY_GATEWAY_TOKEN"
        )
    conf = _settings(settings, registry_dir=registry, key_file=key_file, cpr_mode=cpr_mode)
    key = load_or_create_key(conf.resolved_key_file())
    first = f"{gateway.rstrip('/')}/fhir/recipients/{recipient}/incremental?_since={since}"
    with (
        httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60.0) as client,
        progress(transient=True) as bar,
    ):
        task = bar.add_task("feed pages (reports so far: 0)", total=None)

        def advance(summary: Any) -> None:
            bar.update(
                task,
                completed=summary.pages,
                description=f"feed pages (reports so far: {summary.reports:,})",
            )

        done = sync(
            RegistryStore(conf.registry_dir),
            key,
            client,
            first,
            cpr_mode=conf.cpr_mode,
            max_pages=max_pages,
            on_page=advance,
        )
    typer.echo(f"pages\t{done.pages}\nreports\t{done.reports}\nnew\t{done.new_reports}")
    err.print(f"synced {done.pages} page(s); next cursor stored", highlight=False)


UsersDb = Annotated[
    Path | None, typer.Option("--users-db", help="User store (setting users_db, the dashboard's).")
]
AuditLogOpt = Annotated[
    Path | None, typer.Option("--audit-log", help="Audit log (setting audit_log).")
]


@app.command("explain")
def explain_command(
    database: Annotated[str, typer.Option("--database", help="Shipped id or definition file.")],
    indicator: Annotated[str, typer.Option("--indicator", help="Indicator id, e.g. H1.")],
    unit: Annotated[
        str, typer.Option("--unit", help="national, region:1084, municipality:101, hospital:SOR.")
    ],
    user: Annotated[str, typer.Option("--user", help="Who asks (a user of the user store).")],
    period: Annotated[str, typer.Option("--period", help="Period of a run (2025, 2025-03).")],
    stratum: Annotated[str | None, typer.Option("--stratum", help="Only this stratum.")] = None,
    registry: RegistryDir = None,
    settings: SettingsFile = None,
    users_db: UsersDb = None,
    audit_log: AuditLogOpt = None,
) -> None:
    """The persons behind one number: bucket, deciding rule and every rule met per unit.

    Only for a user whose role may see person lists and whose scope covers the unit; every
    request (allowed or denied) is audit-logged. Persons are shown by pseudonym.

    Example: tvaers registry explain --database heart --indicator H1 --unit municipality:101
    --period 2025 --user anna
    """
    from tvaers.registry.explain import explain
    from tvaers.registry.store import RegistryStore

    conf = _settings(settings, registry_dir=registry, users_db=users_db, audit_log=audit_log)
    found = explain(
        RegistryStore(conf.registry_dir),
        database,
        indicator,
        unit,
        period,
        user=user,
        users_db=conf.users_db,
        audit_log=conf.audit_log,
        stratum=stratum,
    )
    typer.echo("unit_id\tpid\tindex_date\tstratum\tbucket\treason\trules")
    for r in found.rows:
        cells = [r["unit_id"], r["pid"], r["index_date"], r["stratum"] or "", r["bucket"]]
        cells += [r["reason"] or "", ",".join(r["rules"] or [])]
        typer.echo("\t".join(str(c) for c in cells))
    counts = ", ".join(f"{k} {v}" for k, v in sorted(found.counts().items()))
    err.print(f"{len(found.rows)} units ({counts}); logged to {conf.audit_log}", highlight=False)


@app.command("population")
def population_command(
    database: Annotated[str, typer.Option("--database", help="Shipped id or definition file.")],
    period: Annotated[str, typer.Option("--period", help="Year (2025) or month (2025-03).")],
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Only this municipality (and DK).")
    ] = None,
    persons: Annotated[
        bool, typer.Option("--persons", help="Also list whom each side misses (needs --user).")
    ] = False,
    user: Annotated[str | None, typer.Option("--user", help="Who asks, for --persons.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb (default) or spark.")] = "duckdb",
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write Parquet files here.")
    ] = None,
    registry: RegistryDir = None,
    settings: SettingsFile = None,
    users_db: UsersDb = None,
    audit_log: AuditLogOpt = None,
) -> None:
    """Population report: attrition per inclusion/exclusion rule and the overlap between the
    hospital's (diagnosis) and the municipalities' (function) populations, per municipality.

    Counts only; with --persons --user NAME the persons (pseudonyms) each side would miss,
    for the municipalities in the user's scope (audit-logged).

    Example: tvaers registry population --database heart --period 2025 --municipality 101
    """
    from tvaers.errors import InputError
    from tvaers.registry.population import population_report
    from tvaers.registry.population_output import print_report, scoped_persons
    from tvaers.registry.store import RegistryStore

    if persons and not user:
        raise InputError("--persons needs --user", hint="person lists are for authorised users")
    conf = _settings(settings, registry_dir=registry, users_db=users_db, audit_log=audit_log)
    store = RegistryStore(conf.registry_dir)
    report = population_report(
        database, store, period, engine=engine, as_of=_parse_date(as_of, "--as-of"), persons=persons
    )
    who = None
    if persons and user:
        who = scoped_persons(report, user, conf.users_db, conf.audit_log, database, period)
    for line in print_report(report, municipality, who):
        typer.echo(line)
    if out is not None:
        err.print(f"wrote {', '.join(str(p) for p in report.write(out))}", highlight=False)


@app.command("freeze")
def freeze_command(
    database: Annotated[str, typer.Option("--database", help="Shipped id or definition file.")],
    period: Annotated[str, typer.Option("--period", help="Year (2025) or month (2025-03).")],
    stage: Annotated[str, typer.Option("--stage", help="foreløbig or endelig.")] = "foreløbig",
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE")] = None,
    verify_only: Annotated[
        bool, typer.Option("--verify", help="Only check an existing snapshot's files.")
    ] = False,
    registry: RegistryDir = None,
    settings: SettingsFile = None,
) -> None:
    """Freeze the preliminary (foreløbig) or final (endelig) results of a period.

    The snapshot (results/<db>/<period>/snapshots/<stage>/) is computed once, read-only,
    with SHA-256 hashes in snapshot.json; later runs never change it, and a second freeze of
    the same stage is refused. --verify checks the hashes.

    Example: tvaers registry freeze --database heart --period 2025 --stage foreløbig
    """
    from tvaers.errors import InputError
    from tvaers.registry.releases import freeze, snapshot_dir, verify
    from tvaers.registry.store import RegistryStore

    conf = _settings(settings, registry_dir=registry)
    store = RegistryStore(conf.registry_dir)
    folder = snapshot_dir(store, database, period, stage)
    if not verify_only:
        threshold = conf.suppression_threshold
        day = _parse_date(as_of, "--as-of")
        folder = freeze(store, database, period, stage, as_of=day, suppression_threshold=threshold)
    elif not folder.exists():
        raise InputError(f"no {stage} snapshot at {folder}")
    bad = verify(folder)
    if bad:
        raise InputError(f"{folder}: changed or unexpected files: {', '.join(bad)}")
    typer.echo(str(folder))
    err.print(f"{stage} snapshot of {database} {period}: all files match", highlight=False)


@app.command("daily")
def daily_command(
    database: Annotated[str, typer.Option("--database", help="Shipped id or definition file.")],
    day: Annotated[str | None, typer.Option("--date", help="Run date (default: today).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder (default: <registry>/daily/<db>/<date>).")
    ] = None,
    registry: RegistryDir = None,
    settings: SettingsFile = None,
) -> None:
    """Daily result files per region (RKKP KKA style): every month so far and the year.

    One CSV (Excel, Danish) and one Parquet file per region with the region, its
    municipalities and hospitals and the nation; Datakilde_opdateret = the oldest source.

    Example: tvaers registry daily --database heart --date 2025-06-15
    """
    from tvaers.registry.releases import daily
    from tvaers.registry.store import RegistryStore

    conf = _settings(settings, registry_dir=registry)
    run_day = _parse_date(day, "--date") or date.today()
    files = daily(
        RegistryStore(conf.registry_dir), database, run_day, out=out,
        suppression_threshold=conf.suppression_threshold,
    )  # fmt: skip
    for path in files:
        typer.echo(str(path))
