"""The annual report of one quality database, in the style of RKKP's annual reports.

Sections: indicator overview with standard fulfilment; per indicator the national result,
results per region, municipality and hospital with 95 % CI, uoplyst, coverage and
completeness, funnel plots, development over periods and room for comments; an appendix with
each indicator's definition, rationale, evidence and data elements (with the burden count).
Input rows must already be public (:func:`tvaers.publish.results.public`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tvaers.publish.definitions import PILOT_LABEL, DatabaseInfo, IndicatorInfo
from tvaers.publish.formatting import MISSING, format_date, format_period
from tvaers.publish.model import (
    Cells,
    Key,
    ResultIndex,
    Trend,
    cells,
    ci_method_label,
    funnel_for,
    sort_rows,
    standard_label,
    trend_for,
)
from tvaers.publish.units import UNIT_TYPE_PLURAL, UnitDirectory


@dataclass(frozen=True, slots=True)
class UnitTable:
    """Results of one unit type, with its funnel plot when there are enough units."""

    unit_type: str
    heading: str
    anchor: str
    rows: tuple[Cells, ...]
    funnel: str | None


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """How many units of one type meet the standard, out of those with a shown result."""

    unit_type: str
    met: int
    shown: int

    @property
    def text(self) -> str:
        return f"{self.met} af {self.shown}" if self.shown else MISSING


@dataclass(frozen=True, slots=True)
class IndicatorSection:
    info: IndicatorInfo
    anchor: str
    standard: str
    national: Cells | None
    fulfilment: tuple[Fulfilment, ...]
    tables: tuple[UnitTable, ...]
    trend: Trend | None
    comments: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class AnnualReport:
    database: DatabaseInfo
    period: str
    period_label: str
    publisher: str
    data_cutoff: str
    ci_method: str
    sections: list[IndicatorSection] = field(default_factory=list)

    @property
    def pilot_label(self) -> str:
        return PILOT_LABEL


def slug(text: str) -> str:
    """An id-safe slug for anchors ("K1" -> "k1")."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "x"


def _fulfilment(index: ResultIndex, key: Key, unit_type: str) -> Fulfilment:
    rows = [
        r for r in index.units(key, unit_type) if not r.suppressed and r.standard_met is not None
    ]
    return Fulfilment(unit_type, sum(1 for r in rows if r.standard_met), len(rows))


def _tables(
    index: ResultIndex,
    key: Key,
    units: UnitDirectory,
    anchor: str,
    title: str,
    highlight: str | None = None,
) -> tuple[UnitTable, ...]:
    tables = []
    for unit_type in index.unit_types(key):
        rows = sort_rows(index.units(key, unit_type), units)
        heading = UNIT_TYPE_PLURAL[unit_type]
        funnel = None
        if unit_type != "region":
            funnel = funnel_for(
                index,
                key,
                unit_type,
                units,
                f"Tragtdiagram: {title}, {heading.lower()}",
                f"funnel-{anchor}-{unit_type}",
                highlight if unit_type == "municipality" else None,
            )
        tables.append(
            UnitTable(
                unit_type,
                heading,
                f"{anchor}-{unit_type}",
                tuple(cells(r, units) for r in rows),
                funnel,
            )
        )
    return tuple(tables)


def build_section(
    index: ResultIndex,
    info: IndicatorInfo,
    period: str,
    units: UnitDirectory,
    comments: dict[str, list[tuple[str, str]]],
    highlight: str | None = None,
) -> IndicatorSection:
    """One indicator's section of the report."""
    key: Key = (info.database, info.indicator, period)
    anchor = slug(info.indicator)
    national = index.national(key)
    standard = next(
        (
            r.standard
            for r in index.rows
            if r.database == info.database and r.indicator == info.indicator and r.standard
        ),
        None,
    )
    regions = [("Hele landet", "national", national.unit_id)] if national else []
    regions += [
        (units.name("region", r.unit_id), "region", r.unit_id)
        for r in sort_rows(index.units(key, "region"), units)
    ]
    trend = trend_for(
        index,
        info.database,
        info.indicator,
        regions,
        units,
        f"trend-{anchor}",
        f"Udvikling: {info.title}",
    )
    return IndicatorSection(
        info=info,
        anchor=anchor,
        standard=standard_label(standard) if standard else (info.standard_text or "Ingen standard"),
        national=cells(national, units) if national else None,
        fulfilment=tuple(
            _fulfilment(index, key, t) for t in ("region", "municipality", "hospital")
        ),
        tables=_tables(index, key, units, anchor, info.title, highlight),
        trend=trend,
        comments=tuple(comments.get(info.indicator, [])),
    )


def build_annual_report(
    index: ResultIndex,
    database: DatabaseInfo,
    indicators: list[IndicatorInfo],
    period: str,
    units: UnitDirectory,
    publisher: str,
    comments: dict[str, list[tuple[str, str]]] | None = None,
) -> AnnualReport:
    """The report model for ``database`` and ``period`` (the latest period by default)."""
    rows = [r for r in index.rows if r.database == database.database and r.period == period]
    cutoffs = sorted({r.data_cutoff for r in rows if r.data_cutoff})
    report = AnnualReport(
        database=database,
        period=period,
        period_label=format_period(period),
        publisher=publisher,
        data_cutoff=format_date(cutoffs[-1]) if cutoffs else MISSING,
        ci_method=ci_method_label(rows),
    )
    for info in indicators:
        report.sections.append(build_section(index, info, period, units, comments or {}))
    return report


def report_context(report: AnnualReport, asset_base: str) -> dict[str, Any]:
    """Template variables for ``annual_report.html``."""
    return {
        "title": f"Årsrapport {report.period_label}: {report.database.title}",
        "report": report,
        "asset_base": asset_base,
        "unit_type_plural": UNIT_TYPE_PLURAL,
    }
