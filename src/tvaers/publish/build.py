"""``tvaers publish build``: every public output of one release, written to a folder.

Reads (see ``docs/publish.md``): the results table, the definitions, the gateway's
statistics, optional comments and organisations. Suppression is applied once, right after
reading (:func:`tvaers.publish.results.public`), so no later step can leak a hidden value.

Writes::

    index.html, assets/tvaers.css
    aarsrapport/<database>-<period>.html          annual report per database
    feedback/index.html, feedback/<kommunekode>.html
    export/resultater-excel.csv                   Excel: BOM, ';', decimal comma
    export/results.csv, export/results.parquet    machine formats
    fhir/Measure-bundle.json, fhir/MeasureReport.ndjson
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tvaers.errors import InputError
from tvaers.publish.annual import build_annual_report, report_context, slug
from tvaers.publish.dataquality import DataQuality, read_data_quality
from tvaers.publish.definitions import Catalogue, read_catalogue, shipped_definitions
from tvaers.publish.exports import excel_csv, machine_csv, write_parquet
from tvaers.publish.feedback import build_feedback, build_overview, results_overview
from tvaers.publish.formatting import format_date, format_period
from tvaers.publish.measure_report import measure, measure_report
from tvaers.publish.model import ResultIndex
from tvaers.publish.render import copy_assets, environment
from tvaers.publish.results import ResultRow, public, read_results
from tvaers.publish.settings import PublishSettings
from tvaers.publish.units import UnitDirectory, load_units
from tvaers.terminology.geography import municipalities


@dataclass(slots=True)
class Release:
    """Everything one build reads, already made public."""

    rows: list[ResultRow]
    catalogue: Catalogue
    quality: DataQuality
    units: UnitDirectory
    comments: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)


@dataclass(slots=True)
class BuildSummary:
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    suppressed: int = 0


def _read_comments(folder: Path) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """``comments/<database>.yaml``: {indicator: [{unit: ..., text: ...}, ...]}."""
    import yaml

    found: dict[str, dict[str, list[tuple[str, str]]]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"invalid YAML: {exc}", location=str(path)) from exc
        if not isinstance(raw, dict):
            raise InputError("a comments file must map indicator ids to lists", location=str(path))
        found[path.stem] = {
            str(indicator): [(str(c.get("unit", "")), str(c.get("text", ""))) for c in items or []]
            for indicator, items in raw.items()
        }
    return found


def load_release(
    results: Path,
    definitions: Path | None = None,
    gateway: Path | None = None,
    *,
    suppress: bool = True,
) -> Release:
    """Read one release; defaults look beside the results (``definitions/``, ``gateway/``),
    then at the registry's shipped definitions."""
    base = results if results.is_dir() else results.parent
    rows = read_results(results)
    rows = public(rows) if suppress else rows
    if definitions is None:
        definitions = (
            base / "definitions" if (base / "definitions").is_dir() else shipped_definitions()
        )
    catalogue = read_catalogue(definitions)
    for row in rows:
        catalogue.add_missing(row.database, row.indicator, str(row.extra.get("title") or ""))
    return Release(
        rows=rows,
        catalogue=catalogue,
        quality=read_data_quality(gateway or base / "gateway"),
        units=load_units(base),
        comments=_read_comments(base / "comments"),
    )


def _write(path: Path, content: str | bytes, summary: BuildSummary) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    summary.files.append(path)


def _annual_reports(
    release: Release,
    index: ResultIndex,
    out: Path,
    settings: PublishSettings,
    summary: BuildSummary,
) -> list[tuple[str, str]]:
    env = environment()
    template = env.get_template("annual_report.html")
    links = []
    for database in index.databases():
        info = release.catalogue.database(database)
        indicators = [release.catalogue.indicator(database, i) for i in index.indicators(database)]
        period = index.periods(database)[-1]
        report = build_annual_report(
            index,
            info,
            indicators,
            period,
            release.units,
            settings.publisher,
            release.comments.get(database),
        )
        name = f"aarsrapport/{slug(database)}-{slug(period)}.html"
        _write(out / name, template.render(report_context(report, "../assets/")), summary)
        links.append((name, f"Årsrapport {format_period(period)}: {info.title}"))
    return links


def _feedback(
    release: Release,
    index: ResultIndex,
    out: Path,
    settings: PublishSettings,
    generated: str,
    summary: BuildSummary,
) -> None:
    env = environment()
    page = env.get_template("feedback_municipality.html")
    common = {"asset_base": "../assets/", "publisher": settings.publisher, "generated": generated}
    for m in municipalities():
        feedback = build_feedback(index, release.catalogue, release.quality, m, release.units)
        context = {**common, "title": f"Tilbagemelding: {m.name} Kommune", "feedback": feedback}
        _write(out / "feedback" / f"{m.kommunekode}.html", page.render(context), summary)
    igs, rows = build_overview(release.quality, municipalities(), release.units)
    result_headers, result_rows = results_overview(index, release.catalogue, municipalities())
    overview = env.get_template("feedback_overview.html")
    context = {**common, "title": "Tilbagemelding til kommunerne", "igs": igs, "rows": rows}
    context |= {"result_headers": result_headers, "result_rows": result_rows}
    _write(out / "feedback" / "index.html", overview.render(context), summary)


def _fhir(
    release: Release,
    index: ResultIndex,
    out: Path,
    settings: PublishSettings,
    summary: BuildSummary,
) -> None:
    entries: list[dict[str, Any]] = []
    lines = []
    for database in index.databases():
        for indicator in index.indicators(database):
            info = release.catalogue.indicator(database, indicator)
            rows = [r for r in index.rows if r.database == database and r.indicator == indicator]
            resource = measure(info, rows, settings.canonical_base, settings.publisher)
            entries.append({"fullUrl": resource["url"], "resource": resource})
            for row in rows:
                report = measure_report(
                    row,
                    info,
                    settings.canonical_base,
                    release.units,
                    settings.publisher,
                    uoplyst_in_denominator=info.uoplyst_in_denominator,
                )
                lines.append(json.dumps(report, ensure_ascii=False, sort_keys=True))
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    _write(
        out / "fhir" / "Measure-bundle.json",
        json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        summary,
    )
    _write(out / "fhir" / "MeasureReport.ndjson", "\n".join(lines) + "\n", summary)


def build(
    results: Path,
    out: Path,
    settings: PublishSettings | None = None,
    *,
    definitions: Path | None = None,
    gateway: Path | None = None,
    generated: date | None = None,
) -> BuildSummary:
    """Build every public output of the release under ``results`` into ``out``."""
    settings = settings or PublishSettings()
    release = load_release(results, definitions, gateway)
    index = ResultIndex(release.rows)
    summary = BuildSummary(
        rows=len(release.rows), suppressed=sum(1 for r in release.rows if r.suppressed)
    )
    generated_text = format_date(generated or date.today())
    copy_assets(out / "assets")
    summary.files.append(out / "assets" / "tvaers.css")
    reports = _annual_reports(release, index, out, settings, summary)
    _feedback(release, index, out, settings, generated_text, summary)
    _write(out / "export" / "resultater-excel.csv", excel_csv(release.rows, release.units), summary)
    _write(out / "export" / "results.csv", machine_csv(release.rows, release.units), summary)
    (out / "export").mkdir(parents=True, exist_ok=True)
    write_parquet(release.rows, release.units, out / "export" / "results.parquet")
    summary.files.append(out / "export" / "results.parquet")
    _fhir(release, index, out, settings, summary)
    exports = [
        ("export/resultater-excel.csv", "Resultater til regneark (CSV, semikolon, decimalkomma)"),
        ("export/results.csv", "Resultater, maskinlæsbar CSV"),
        ("export/results.parquet", "Resultater, Parquet"),
        ("fhir/Measure-bundle.json", "FHIR Measure-ressourcer"),
        ("fhir/MeasureReport.ndjson", "FHIR MeasureReport per enhed og periode (NDJSON)"),
    ]
    context = {
        "title": "Udgivelse",
        "asset_base": "assets/",
        "publisher": settings.publisher,
        "generated": generated_text,
        "reports": reports,
        "exports": exports,
    }
    _write(out / "index.html", environment().get_template("index.html").render(context), summary)
    return summary
