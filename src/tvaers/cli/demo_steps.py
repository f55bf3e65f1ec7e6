"""The steps of ``make demo``, each running real ``tvaers`` commands in their own processes.

:class:`DemoRun` keeps the folders, started services and timings of one demo run. Every
command runs through :meth:`DemoRun.tvaers`, which echoes it, times it and fails loudly
with the command's own error output. Services are started with ``--port 0`` and report the
URL they bound on their first stdout line.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tvaers.cli.console import err
from tvaers.cli.demo_summary import Summary
from tvaers.errors import ServiceError

PERIODS = ("2024", "2025")
DAILY_DATE = "2025-12-31"  # the end of the synthetic window
DAILY_DATABASE = "heart"  # daily files cost a run per month: one database shows them
RECIPIENT = "kvalitetsdatabaser"

#: The quality databases' data agreement with the gateway (a `cpr` recipient under
#: Sundhedsloven §196; they pseudonymise at import with their own key).
AGREEMENT = f"""schema_version = 1
recipient_id = "{RECIPIENT}"
name = "Kliniske kvalitetsdatabaser (RKKP)"
legal_basis = "Sundhedsloven §196"
identity = "cpr"
retention = "P10Y"

[scope]
igs = ["care", "rehab", "prevention"]
population = "all"
period_start = "2020-01-01"
period_end = "2030-01-01"

[delivery]
mode = "pull"
"""


@dataclass
class Service:
    """A background ``tvaers`` server process and the URL it printed."""

    name: str
    process: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class DemoUser:
    username: str
    role: str
    scope: str
    password: str


@dataclass
class DemoRun:
    """One run of the demo in ``out`` (synth/, registry/, release/, dashboard/)."""

    out: Path
    citizens: int
    seed: int
    enrich: str
    services: list[Service] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    users: list[DemoUser] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    not_computed: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(
        default_factory=lambda: {
            "pepper": secrets.token_hex(32),  # per run; never written into the repository
            "pseudonym": secrets.token_hex(32),
        }
    )
    submit_summary: str = ""

    @property
    def synth_dir(self) -> Path:
        return self.out / "synth"

    @property
    def registry_dir(self) -> Path:
        return self.out / "registry"

    @property
    def release_dir(self) -> Path:
        return self.out / "release"

    @property
    def dashboard_dir(self) -> Path:
        return self.out / "dashboard"

    @property
    def gateway_dir(self) -> Path:
        return self.out / "gateway"

    # --- running commands ------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """Environment for every child: the dashboard's state lives inside the demo folder."""
        return {
            **os.environ,
            "TVAERS_DASHBOARD_STATE_FILE": str(self.dashboard_dir / "users.sqlite"),
            "TVAERS_DASHBOARD_AUDIT_LOG": str(self.dashboard_dir / "audit.jsonl"),
            "TVAERS_REGISTRY_REGISTRY_DIR": str(self.registry_dir),
            "TVAERS_GATEWAY_DB": f"sqlite:///{self.gateway_dir / 'gateway.sqlite'}",
            "TVAERS_GATEWAY_CPR_MODE": "synthetic",
            "TVAERS_GATEWAY_ORGANISATIONS": str(self.synth_dir / "organisations.parquet"),
            "TVAERS_GATEWAY_TOKEN_PEPPER": self.secrets["pepper"],
            "TVAERS_GATEWAY_PSEUDONYM_KEYS": f"1:{self.secrets['pseudonym']}",
            "TVAERS_GATEWAY_LOG_LEVEL": "WARNING",
            # A replay sends three years of reports at once: lift the per-client quota.
            "TVAERS_GATEWAY_QUOTA_PER_SECOND": "5000",
            "TVAERS_GATEWAY_QUOTA_BURST": "5000",
        }

    def tvaers(self, *args: str, stdin: str | None = None) -> str:
        """Run ``tvaers ARGS`` to completion; return its stdout, raise on failure."""
        command = [sys.executable, "-m", "tvaers.cli.main", *args]
        err.print(f"[dim]$ tvaers {' '.join(args)}[/]", highlight=False)
        result = subprocess.run(
            command,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=None,  # progress and diagnostics go straight to the user's terminal
            text=True,
            env=self.env(),
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(
                f"`tvaers {' '.join(args)}` failed with exit code {result.returncode}"
            )
        return result.stdout

    def start_service(self, name: str, *args: str) -> Service:
        """Start ``tvaers ARGS`` in the background and wait for the URL it prints."""
        command = [sys.executable, "-m", "tvaers.cli.main", *args]
        err.print(f"[dim]$ tvaers {' '.join(args)} &[/]", highlight=False)
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=None, text=True, env=self.env()
        )
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http"):
            process.kill()
            raise ServiceError(f"{name} did not start (printed {url!r})")
        service = Service(name, process, url.rstrip("/"))
        self.services.append(service)
        return service

    def step(self, title: str) -> _Timer:
        return _Timer(self, title)

    # --- the chain ---------------------------------------------------------------------
    def all(self) -> None:
        """Every step in order, from a clean slate inside ``out``."""
        self.clean()
        self.generate()
        self.gateway()
        self.submit()
        self.import_extracts()
        self.sync()
        self.compute()
        self.releases()
        self.publish()
        self.dashboard()

    def clean(self) -> None:
        """Remove what an earlier demo run left (only the demo's own sub-folders)."""
        import shutil

        folders = (self.synth_dir, self.registry_dir, self.release_dir, self.dashboard_dir,
                   self.gateway_dir)  # fmt: skip
        for folder in folders:
            if folder.exists():
                shutil.rmtree(folder)

    def generate(self) -> None:
        with self.step("Synthetic Denmark"):
            self.tvaers(
                "synth", "generate",
                "--citizens", str(self.citizens), "--seed", str(self.seed),
                "--enrich", self.enrich, "--workers", "2", "--out", str(self.synth_dir),
            )  # fmt: skip

    def gateway(self) -> None:
        with self.step("Municipal gateway with one client per EOJ vendor"):
            self.gateway_dir.mkdir(parents=True, exist_ok=True)
            self.tvaers(
                "gateway", "clients", "import", str(self.synth_dir / "clients.toml"),
                "--credentials-out", str(self.gateway_dir / "credentials.toml"),
            )  # fmt: skip
            agreement = self.gateway_dir / "agreement-kvalitetsdatabaser.toml"
            agreement.write_text(AGREEMENT, encoding="utf-8")
            self.tvaers("gateway", "recipients", "add", str(agreement))
            token = self.tvaers(
                "gateway", "clients", "add", "rkkp-sync", "--name", "RKKP synkronisering",
                "--role", "recipient", "--recipient", RECIPIENT,
            )  # fmt: skip
            token_file = self.gateway_dir / "recipient.token"
            token_file.write_text(token.strip() + "\n", encoding="utf-8")
            token_file.chmod(0o600)
            self.start_service("gateway", "gateway", "serve", "--port", "0")

    def submit(self) -> None:
        gateway = next(s for s in self.services if s.name == "gateway")
        with self.step("EOJ systems submit every municipal delivery report over HTTP"):
            self.submit_summary = self.tvaers(
                "synth", "submit", str(self.synth_dir), "--url", gateway.url,
                "--credentials", str(self.gateway_dir / "credentials.toml"),
                "--concurrency", "16",
            )  # fmt: skip

    def sync(self) -> None:
        gateway = next(s for s in self.services if s.name == "gateway")
        with self.step("Quality databases pull their feed from the gateway (cpr recipient)"):
            self.tvaers(
                "registry", "sync", "--gateway", gateway.url, "--recipient", RECIPIENT,
                "--token-file", str(self.gateway_dir / "recipient.token"),
                "--cpr-mode", "synthetic",
            )  # fmt: skip

    def import_extracts(self) -> None:
        with self.step("Hospital, CPR and organisation extracts into the quality databases"):
            synth = str(self.synth_dir)
            self.tvaers("registry", "import-cpr", synth, "--cpr-mode", "synthetic")
            self.tvaers("registry", "import-lpr", synth, "--cpr-mode", "synthetic")
            self.tvaers("registry", "import-organisations", synth)

    def compute(self) -> None:
        with self.step("Indicators for every shipped quality database"):
            for database in shipped_databases():
                try:
                    for period in PERIODS:
                        self.tvaers("registry", "run", "--database", database, "--period", period)
                except ServiceError as exc:
                    # Until every input feed exists, a database without its inputs is
                    # reported as not computed instead of ending the demo.
                    self.not_computed[database] = str(exc)
                    err.print(f"[yellow]skipped[/] {database}: {exc}")
                    continue
                self.databases.append(database)

    def releases(self) -> None:
        title = f"Preliminary snapshots (foreløbig 2025) and daily files ({DAILY_DATABASE})"
        with self.step(title):
            for database in self.databases:
                self.tvaers(
                    "registry", "freeze", "--database", database, "--period", "2025",
                    "--stage", "foreløbig",
                )  # fmt: skip
            if DAILY_DATABASE in self.databases:
                self.tvaers("registry", "daily", "--database", DAILY_DATABASE, "--date", DAILY_DATE)

    def publish(self) -> None:
        with self.step("Annual reports, municipal feedback and exports"):
            # Beside the results, where both `publish build` and the dashboard look for them.
            stats = self.registry_dir / "results" / "gateway"
            self.tvaers("gateway", "stats", "--out", str(stats))
            # The demo replays three years of reports in minutes, so receipt minus
            # Bundle.timestamp says nothing about real reporting lag: leave it out.
            (stats / "lag.parquet").unlink()
            self.tvaers(
                "publish", "build",
                "--results", str(self.registry_dir / "results"), "--out", str(self.release_dir),
                "--gateway-stats", str(stats),
            )  # fmt: skip

    def dashboard(self) -> None:
        with self.step("Quality-database dashboard"):
            self.dashboard_dir.mkdir(parents=True, exist_ok=True)
            for username, role, scope in (
                ("analytiker", "analyst", "national"),
                ("region-hovedstaden", "region", "region:1084"),
                ("koebenhavn", "municipality", "municipality:101"),
            ):
                password = secrets.token_urlsafe(12)
                self.tvaers(
                    "registry", "users", "add", username, "--role", role, "--scope", scope,
                    "--password-stdin", stdin=password + "\n",
                )  # fmt: skip
                self.users.append(DemoUser(username, role, scope, password))
            # The dashboard serves the registry's own results (not the public release), so
            # that signed-in users see their own units unsuppressed and the person lists.
            self.start_service(
                "dashboard", "registry", "serve",
                "--results", str(self.registry_dir / "results"), "--port", "0",
            )  # fmt: skip

    # --- the end -----------------------------------------------------------------------
    def summary(self) -> str:
        return Summary(self).render()

    def wait_for_interrupt(self) -> None:
        err.print("Services keep running; press Ctrl-C to stop them.")
        try:
            while all(s.process.poll() is None for s in self.services):
                time.sleep(1)
        except KeyboardInterrupt:
            pass

    def stop_services(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()


def shipped_databases() -> list[str]:
    """Ids of the quality-database definitions shipped in the package."""
    from importlib import resources

    folder = resources.files("tvaers.registry.definitions")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


class _Timer:
    """Context manager that prints a step's title and records its duration."""

    def __init__(self, run: DemoRun, title: str):
        self.run, self.title = run, title

    def __enter__(self) -> None:
        err.rule(self.title)
        self.start = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        seconds = time.monotonic() - self.start
        self.run.timings.append((self.title, seconds))
        err.print(f"[green]done[/] in {seconds:.1f} s")
