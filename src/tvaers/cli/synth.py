"""`tvaers synth ...` commands: generate Synthetic Denmark and check its calibration."""

from __future__ import annotations

from datetime import date
from pathlib import Path

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
) -> None:
    """Generate CPR facts, organisations, EOJ clients, LPR3-like hospital data and referrals.

    Example: tvaers synth generate --citizens 20000 --seed 7 --enrich heart=x5,copd=x5 --out demo-output/synth
    """
    from tvaers.synth.config import SynthConfig, parse_enrich, region_population
    from tvaers.synth.generate import enrichment
    from tvaers.synth.generate import generate as run

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
        manifest = run(config, out_dir, workers=workers, on_block=lambda n: bar.advance(task, n))
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
