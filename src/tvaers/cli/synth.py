"""`tvaers synth ...` commands: generate Synthetic Denmark and check its calibration."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from tvaers.cli.console import err, out, progress
from tvaers.errors import InputError

app = typer.Typer(help="Synthetic Denmark: generate, submit, calibration.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option} {value!r} is not a date", hint="use YYYY-MM-DD, e.g. 2023-01-01"
        ) from None


def print_enrichment(factors: dict[str, float]) -> None:
    """Every command that uses enriched data prints the factors (stdout, with the data)."""
    text = ", ".join(f"{k}=x{v:g}" for k, v in factors.items())
    out.print(f"Enrichment (oversampling factors): {text}", highlight=False)


@app.command()
def generate(
    out_dir: Path = typer.Option(..., "--out", help="Output folder (created if missing)."),
    citizens: int | None = typer.Option(
        None, help="Residents on the start date (default with --region: its full population)."
    ),
    start: str = typer.Option("2023-01-01", help="First day of the window (YYYY-MM-DD)."),
    end: str = typer.Option("2025-12-31", help="Last day of the window (YYYY-MM-DD)."),
    seed: int = typer.Option(1, help="Random seed: same seed and parameters give identical files."),
    enrich: str | None = typer.Option(
        None, help="Oversample cohorts, e.g. heart=x5,copd=x5,diabetes=x3."
    ),
    region: str | None = typer.Option(None, help="Only citizens of one region (code 1081-1085)."),
    workers: int = typer.Option(
        1, min=1, max=64, help="Worker processes (never changes the output)."
    ),
    lookback_days: int = typer.Option(
        730, help="Days of hospital follow-up history before --start."
    ),
    block_size: int = typer.Option(8192, help="Citizens per block (part of the seed contract)."),
    municipal: bool = typer.Option(
        True, "--municipal/--no-municipal", help="Also write municipal delivery reports."
    ),
    truth: bool = typer.Option(
        True, "--truth/--no-truth", help="Also write the indicators' ground truth (truth/)."
    ),
    not_reporting: str | None = typer.Option(
        None,
        help="Municipalities that never report an IG, replacing the drawn ones, "
        "e.g. 'prevention=101,147;care=851' ('prevention=' = all report).",
    ),
    invalid_share: float | None = typer.Option(
        None, help="Share of deliberately invalid reports (default from municipal.toml: 0.01)."
    ),
    late_report_share: float | None = typer.Option(
        None, help="Share of reports sent late on their own (default 0.004)."
    ),
    outages_per_year: float | None = typer.Option(
        None, help="EOJ outages per municipality and year; the backlog is sent after (0.8)."
    ),
) -> None:
    """Generate CPR facts, organisations, EOJ clients, LPR3-like hospital data, referrals,
    municipal delivery reports (reports/YYYY-MM-DD/<kommunekode>.ndjson.zst, report_ledger.parquet).

    Example: tvaers synth generate --citizens 20000 --seed 7 --enrich heart=x5,copd=x5 --out demo-output/synth
    """
    from tvaers.synth.config import SynthConfig, parse_enrich, region_population
    from tvaers.synth.generate import enrichment
    from tvaers.synth.generate import generate as run
    from tvaers.synth.municipal.options import MunicipalOptions, parse_not_reporting

    options = MunicipalOptions(
        enabled=municipal,
        not_reporting=parse_not_reporting(not_reporting),
        invalid_share=invalid_share,
        late_report_share=late_report_share,
        outages_per_year=outages_per_year,
    )

    if citizens is None:
        if region is None:
            raise InputError("--citizens is required unless --region is given")
        SynthConfig(citizens=1, start=date(2023, 1, 1), end=date(2023, 1, 2), seed=0, region=region)
        citizens = region_population(region)
    config = SynthConfig(
        citizens=citizens,
        start=_date(start, "--start"),
        end=_date(end, "--end"),
        seed=seed,
        enrich=parse_enrich(enrich),
        region=region,
        lookback_days=lookback_days,
        block_size=block_size,
    )
    print_enrichment(enrichment(config))
    with progress() as bar:
        task = bar.add_task(f"generating {citizens:,} citizens", total=config.n_blocks)
        manifest = run(
            config,
            out_dir,
            workers=workers,
            on_block=lambda n: bar.advance(task, n),
            municipal=options,
            truth=truth,
        )
    counts = manifest["row_counts"]
    assert isinstance(counts, dict)
    for name, rows in counts.items():
        out.print(f"{name:32} {rows:>12,}", highlight=False)
    err.print(f"wrote {out_dir} (manifest.json)")


@app.command()
def calibration(
    directory: Path = typer.Argument(..., help="Folder written by `tvaers synth generate`."),
    output_format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """Each generated rate next to its published target and source (independent SQL).

    Example: tvaers synth calibration demo-output/synth
    """
    from tvaers.synth.calibration import calibrate, render_json, render_table

    if output_format not in ("text", "json"):
        raise InputError(f"--format {output_format!r} is not one of text, json")
    result = calibrate(directory)
    if output_format == "json":
        out.print_json(render_json(result))
        return
    print_enrichment(result.enrichment)
    from rich.console import Console

    # the table is data: print it whole, never cut to the terminal width
    Console(width=max(out.width, 200), soft_wrap=True).print(render_table(result))


@app.command()
def submit(
    directory: Path = typer.Argument(..., help="Folder written by `tvaers synth generate`."),
    url: str = typer.Option(..., "--url", help="Gateway base URL, e.g. http://127.0.0.1:8080"),
    credentials: Path = typer.Option(
        ..., "--credentials", help="TOML from `tvaers gateway clients import --credentials-out`."
    ),
    checkpoint: Path | None = typer.Option(
        None, help="Resume file (default DIR/submit-checkpoint.json)."
    ),
    concurrency: int = typer.Option(8, help="Reports in flight at once (1..64)."),
    retries: int = typer.Option(8, help="Retries per report on 429/5xx/connection errors."),
    output_format: str = typer.Option("text", "--format", help="text | json"),
) -> None:
    """Replay the delivery reports to a gateway in submission order, one client per municipality.

    Example: tvaers synth submit demo-output/synth --url http://127.0.0.1:8080 --credentials creds.toml
    """
    from tvaers.synth.submit import (
        ReplayOptions,
        ledger_expectation,
        load_credentials,
        replay,
        report_files,
    )

    if output_format not in ("text", "json"):
        raise InputError(f"--format {output_format!r} is not one of text, json")
    options = ReplayOptions(concurrency=concurrency, max_retries=retries)
    files = report_files(directory)
    load_credentials(credentials)  # refuse a bad file before the progress bar starts
    with progress() as bar:
        task = bar.add_task("replaying", total=len(files))

        def advance(file_index: int, sent: int) -> None:
            bar.update(task, completed=file_index, description=f"replaying: {sent:,} reports")

        summary = replay(
            directory, url, credentials, checkpoint=checkpoint, options=options, on_progress=advance
        )
        bar.update(task, completed=len(files))
    expected = ledger_expectation(directory)
    if output_format == "json":
        data = summary.as_dict()
        if expected is not None:
            data["ledger"] = {"accepted": expected[0], "rejected": expected[1],
                              "rejected_by_rule": dict(expected[2])}  # fmt: skip
        out.print_json(data=data)
        return
    _print_summary(summary, expected)


def _print_summary(summary: Any, expected: tuple[int, int, Any] | None) -> None:
    rate = summary.sent / summary.seconds if summary.seconds else 0.0
    out.print(
        f"sent {summary.sent:,} reports in {summary.seconds:,.1f} s ({rate:,.0f}/s), "
        f"{summary.retries:,} retries",
        highlight=False,
    )
    out.print(f"accepted {summary.accepted:,} (of which already stored: {summary.identical:,})")
    out.print(f"rejected {summary.rejected:,}", highlight=False)
    for rule, count in sorted(summary.rejected_by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        out.print(f"  {count:>8,}  {rule}", highlight=False, markup=False)
    if expected is not None:
        accepted, rejected, rules = expected
        same = (accepted, rejected, dict(rules)) == (
            summary.accepted, summary.rejected, summary.rejected_by_rule
        )  # fmt: skip
        verdict = "matches" if same else "DIFFERS from"
        err.print(f"replay {verdict} the ledger: accepted {accepted:,}, rejected {rejected:,}")


@app.command(name="truth")
def truth_command(
    directory: Path = typer.Argument(..., help="Folder written by `tvaers synth generate`."),
    memory: str = typer.Option("4GB", help="DuckDB memory limit."),
) -> None:
    """(Re)compute the ground truth of every starter indicator: truth/*.parquet.

    Example: tvaers synth truth demo-output/synth
    """
    from tvaers.synth.truth.run import compute_truth

    with progress() as bar:
        task = bar.add_task("computing the ground truth", total=None)
        rows = compute_truth(directory, memory=memory)
        bar.update(task, total=1, completed=1)
    for name, count in rows.items():
        out.print(f"truth/{name:28} {count:>12,}", highlight=False)
