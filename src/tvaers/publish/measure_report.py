"""FHIR R4 Measure and MeasureReport exports of indicator results.

One Measure per indicator, published at a canonical URL (``{base}/Measure/{id}``, version =
definition hash), and one summary MeasureReport per unit and period. Our buckets map onto
FHIR's proportion populations so that FHIR's score equals our proportion:

- initial-population = denominator = our denominator + excluded + uoplyst,
- denominator-exclusion = excluded, denominator-exception = uoplyst (left out of the
  denominator, as by default; a definition that keeps uoplyst in the denominator gets no
  exception population),
- numerator = numerator, measureScore = proportion.

A suppressed row has no counts and its measureScore carries data-absent-reason "masked".
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from tvaers.publish.definitions import IndicatorInfo
from tvaers.publish.results import ResultRow
from tvaers.publish.units import UnitDirectory

POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
SCORING_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-scoring"
TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-type"
IMPROVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
UNIT_SYSTEM = "urn:tvaers:unit:"
POPULATIONS = (
    ("initial-population", "Alle forløb i populationen"),
    ("denominator", "Nævner før eksklusion og uoplyst"),
    ("denominator-exclusion", "Ekskluderet"),
    ("denominator-exception", "Uoplyst (indgår ikke i nævneren)"),
    ("numerator", "Tæller"),
)
_ID_RE = re.compile(r"[^A-Za-z0-9\-.]")


def fhir_id(*parts: str) -> str:
    """A valid FHIR id (``[A-Za-z0-9-.]{1,64}``) from ``parts``; long ids end in a hash."""
    text = _ID_RE.sub("-", "-".join(parts)).strip("-") or "x"
    if len(text) <= 64:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{text[:51]}-{digest}"


def measure_id(database: str, indicator: str) -> str:
    return fhir_id(database.lower(), indicator.lower())


def canonical(base: str, database: str, indicator: str) -> str:
    return f"{base.rstrip('/')}/Measure/{measure_id(database, indicator)}"


def _improvement(info: IndicatorInfo, rows: Sequence[ResultRow]) -> str | None:
    direction = info.standard_direction or next(
        (r.standard.direction for r in rows if r.standard), None
    )
    return {">=": "increase", "<=": "decrease"}.get(direction or "")


def _concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def measure(
    info: IndicatorInfo, rows: Sequence[ResultRow], base: str, publisher: str
) -> dict[str, Any]:
    """The Measure resource of one indicator (``rows``: its results, for version and direction)."""
    hashes = sorted({r.definition_hash for r in rows if r.definition_hash})
    resource: dict[str, Any] = {
        "resourceType": "Measure",
        "id": measure_id(info.database, info.indicator),
        "url": canonical(base, info.database, info.indicator),
        "name": fhir_id(info.database, info.indicator).replace("-", "_").replace(".", "_").upper(),
        "title": f"{info.indicator}: {info.title}",
        "status": "active",
        "experimental": info.pilot,
        "publisher": publisher,
        "description": info.description or info.title,
        "scoring": _concept(SCORING_SYSTEM, "proportion"),
    }
    if hashes:
        resource["version"] = hashes[-1]
    if info.rationale:
        resource["rationale"] = info.rationale
    kind = info.kind if info.kind in ("process", "outcome") else None
    if kind:
        resource["type"] = [_concept(TYPE_SYSTEM, kind)]
    improvement = _improvement(info, rows)
    if improvement:
        resource["improvementNotation"] = _concept(IMPROVEMENT_SYSTEM, improvement)
    resource["group"] = [
        {
            "population": [
                {
                    "code": _concept(POPULATION_SYSTEM, code),
                    "description": text,
                    "criteria": {
                        "language": "text/plain",
                        "expression": f"{info.database}/{info.indicator}#{code}",
                    },
                }
                for code, text in POPULATIONS
            ]
        }
    ]
    return resource


def period_bounds(period: str) -> dict[str, str]:
    """ "2024" -> 2024-01-01..2024-12-31; "2024-03" -> the month; anything else: start only."""
    parts = period.split("-")
    if len(parts) == 1 and period.isdigit():
        return {"start": f"{period}-01-01", "end": f"{period}-12-31"}
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        year, month = int(parts[0]), int(parts[1])
        last = calendar.monthrange(year, month)[1]
        return {"start": f"{year:04d}-{month:02d}-01", "end": f"{year:04d}-{month:02d}-{last:02d}"}
    return {"start": period}


def _populations(row: ResultRow, uoplyst_in_denominator: bool) -> list[dict[str, Any]]:
    if row.suppressed or row.denominator is None or row.numerator is None:
        return [{"code": _concept(POPULATION_SYSTEM, code)} for code, _ in POPULATIONS]
    excluded = row.excluded or 0
    exception = 0 if uoplyst_in_denominator else (row.uoplyst or 0)
    counts = {
        "initial-population": row.denominator + excluded + exception,
        "denominator": row.denominator + excluded + exception,
        "denominator-exclusion": excluded,
        "denominator-exception": exception,
        "numerator": row.numerator,
    }
    return [
        {"code": _concept(POPULATION_SYSTEM, code), "count": counts[code]}
        for code, _ in POPULATIONS
    ]


def measure_report(
    row: ResultRow,
    info: IndicatorInfo,
    base: str,
    units: UnitDirectory,
    publisher: str,
    uoplyst_in_denominator: bool = False,
) -> dict[str, Any]:
    """A summary MeasureReport for one results row."""
    group: dict[str, Any] = {"population": _populations(row, uoplyst_in_denominator)}
    if row.suppressed or row.proportion is None:
        reason = "masked" if row.suppressed else "not-applicable"
        group["measureScore"] = {"extension": [{"url": DATA_ABSENT, "valueCode": reason}]}
    else:
        group["measureScore"] = {"value": row.proportion}
        if row.ci_low is not None and row.ci_high is not None:
            group["extension"] = [
                {
                    "url": f"{base.rstrip('/')}/StructureDefinition/confidence-interval-95",
                    "valueRange": {"low": {"value": row.ci_low}, "high": {"value": row.ci_high}},
                }
            ]
    version = f"|{row.definition_hash}" if row.definition_hash else ""
    report: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": fhir_id(row.database, row.indicator, row.period, row.unit_type, row.unit_id),
        "status": "complete",
        "type": "summary",
        "measure": canonical(base, row.database, row.indicator) + version,
        "subject": {
            "identifier": {"system": UNIT_SYSTEM + row.unit_type, "value": row.unit_id},
            "display": units.name(row.unit_type, row.unit_id),
        },
        "period": period_bounds(row.period),
        "reporter": {"display": publisher},
        "group": [group],
    }
    if row.data_cutoff is not None:
        report["date"] = row.data_cutoff.isoformat()
    return report


CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
PSEUDONYM_SYSTEM = "urn:tvaers:pseudonym"
#: Our buckets -> the FHIR populations a subject belongs to.
SUBJECT_POPULATIONS = {
    "numerator": ("initial-population", "denominator", "numerator"),
    "denominator_only": ("initial-population", "denominator"),
    "excluded": ("initial-population", "denominator", "denominator-exclusion"),
    "uoplyst": ("initial-population", "denominator", "denominator-exception"),
}


def subject_list_report(
    summary: dict[str, Any], subjects: Sequence[tuple[str, str, str]]
) -> dict[str, Any]:
    """A subject-list MeasureReport: ``summary`` plus one contained List per population.

    ``subjects`` are (identifier system, value, bucket); only for authorised users (the
    dashboard checks scope and writes the audit event).
    """
    members: dict[str, list[dict[str, Any]]] = {code: [] for code, _ in POPULATIONS}
    for system, value, bucket in subjects:
        for code in SUBJECT_POPULATIONS.get(bucket, ("initial-population",)):
            members[code].append(
                {"item": {"type": "Patient", "identifier": {"system": system, "value": value}}}
            )
    report = {**summary, "type": "subject-list", "id": fhir_id(summary["id"], "subjects")}
    report["contained"] = [
        {
            "resourceType": "List",
            "id": f"list-{code}",
            "status": "current",
            "mode": "snapshot",
            "title": code,
            "entry": entries,
        }
        for code, entries in members.items()
    ]
    group = dict(report["group"][0])
    group["population"] = [
        {
            **population,
            "subjectResults": {"reference": f"#list-{population['code']['coding'][0]['code']}"},
        }
        for population in group["population"]
    ]
    report["group"] = [group]
    return report
