"""Municipal feedback: each municipality's results against its region and the country, and
its data quality from the gateway's non-personal statistics (rejects by rule with the
Danish explanation and fix, coverage, lag, completeness, trends); plus a national overview.

The seed's "input and output must feed each other": the people who register see what their
registrations become and what to fix. Input rows must already be public.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from tvaers.publish.dataquality import IG_LABELS, DataQuality, RejectCount
from tvaers.publish.definitions import Catalogue, IndicatorInfo
from tvaers.publish.formatting import (
    MISSING,
    format_days,
    format_int,
    format_percent,
    format_period,
)
from tvaers.publish.model import (
    SUPPRESSED_TEXT,
    Cells,
    Key,
    ResultIndex,
    Trend,
    cells,
    funnel_for,
    standard_label,
    trend_for,
)
from tvaers.publish.units import UnitDirectory
from tvaers.terminology.geography import Municipality


@dataclass(frozen=True, slots=True)
class IndicatorFeedback:
    info: IndicatorInfo
    anchor: str
    period_label: str
    standard: str
    rows: tuple[Cells, ...]  # municipality, (delivering municipality,) region, country
    trend: Trend | None
    funnel: str | None


@dataclass(frozen=True, slots=True)
class CoverageRow:
    month: str
    cells: tuple[tuple[str, str, str], ...]  # per IG: accepted, rejected, reporting Ja/Nej


@dataclass(frozen=True, slots=True)
class LagRow:
    ig: str
    months: int
    median: str
    p90: str


@dataclass(frozen=True, slots=True)
class MunicipalityFeedback:
    municipality: Municipality
    region_name: str
    indicators: tuple[IndicatorFeedback, ...]
    igs: tuple[str, ...]
    coverage: tuple[CoverageRow, ...]
    rejects: tuple[tuple[RejectCount, str], ...]
    lag: tuple[LagRow, ...]
    quality_tables: frozenset[str]


def _indicator_feedback(
    index: ResultIndex,
    info: IndicatorInfo,
    period: str,
    municipality: Municipality,
    units: UnitDirectory,
) -> IndicatorFeedback | None:
    key: Key = (info.database, info.indicator, period)
    own = index.get(key, "municipality", municipality.kommunekode)
    if own is None:
        return None
    found = [own, index.get(key, "delivering_municipality", municipality.kommunekode)]
    found += [index.get(key, "region", municipality.region_code), index.national(key)]
    rows = tuple(cells(r, units) for r in found if r is not None)
    anchor = f"{info.database}-{info.indicator}".lower()
    series = [
        (municipality.name, "municipality", municipality.kommunekode),
        (units.name("region", municipality.region_code), "region", municipality.region_code),
    ]
    national = index.national(key)
    if national is not None:
        series.append(("Hele landet", "national", national.unit_id))
    return IndicatorFeedback(
        info=info,
        anchor=anchor,
        period_label=format_period(period),
        standard=standard_label(own.standard)
        if own.standard
        else (info.standard_text or "Ingen standard"),
        rows=rows,
        trend=trend_for(
            index,
            info.database,
            info.indicator,
            series,
            units,
            f"trend-{anchor}",
            f"Udvikling: {info.title}",
        ),
        funnel=funnel_for(
            index,
            key,
            "municipality",
            units,
            f"Tragtdiagram: {info.title}, kommunerne",
            f"funnel-{anchor}",
            municipality.kommunekode,
        ),
    )


def _coverage_rows(quality: DataQuality, igs: list[str]) -> tuple[CoverageRow, ...]:
    by_key = {(c.month, c.ig): c for c in quality.coverage}
    rows = []
    for month in sorted({c.month for c in quality.coverage}):
        row = []
        for ig in igs:
            cell = by_key.get((month, ig))
            if cell is None:
                row.append((MISSING, MISSING, "Nej"))
            else:
                row.append(
                    (
                        format_int(cell.accepted),
                        format_int(cell.rejected),
                        "Ja" if cell.reporting else "Nej",
                    )
                )
        rows.append(CoverageRow(format_period(month), tuple(row)))
    return tuple(rows)


def _lag_rows(quality: DataQuality, igs: list[str]) -> tuple[LagRow, ...]:
    rows = []
    for ig in igs:
        stats = [g for g in quality.lag if g.ig == ig]
        medians = [g.median_days for g in stats if g.median_days is not None]
        p90s = [g.p90_days for g in stats if g.p90_days is not None]
        rows.append(
            LagRow(
                IG_LABELS.get(ig, ig),
                len(stats),
                format_days(median(medians)) if medians else MISSING,
                format_days(max(p90s)) if p90s else MISSING,
            )
        )
    return tuple(rows)


def build_feedback(
    index: ResultIndex,
    catalogue: Catalogue,
    quality: DataQuality,
    municipality: Municipality,
    units: UnitDirectory,
) -> MunicipalityFeedback:
    """One municipality's feedback page model (each indicator at its latest period)."""
    indicators = []
    for database in index.databases():
        for indicator in index.indicators(database):
            periods = index.periods(database, indicator)
            found = _indicator_feedback(
                index, catalogue.indicator(database, indicator), periods[-1], municipality, units
            )
            if found is not None:
                indicators.append(found)
    own = quality.for_municipality(municipality.kommunekode)
    igs = own.igs() or sorted({c.ig for c in quality.coverage})
    return MunicipalityFeedback(
        municipality=municipality,
        region_name=units.name("region", municipality.region_code),
        indicators=tuple(indicators),
        igs=tuple(IG_LABELS.get(ig, ig) for ig in igs),
        coverage=_coverage_rows(own, igs),
        rejects=tuple((r, format_int(n)) for r, n in own.rejects_by_rule()),
        lag=_lag_rows(own, igs),
        quality_tables=quality.present,
    )


@dataclass(frozen=True, slots=True)
class OverviewRow:
    municipality: Municipality
    region_name: str
    reporting: tuple[str, ...]  # per IG: "k af n måneder"
    rejected: str
    top_rule: str
    lag: str


def build_overview(
    quality: DataQuality, municipalities: tuple[Municipality, ...], units: UnitDirectory
) -> tuple[tuple[str, ...], list[OverviewRow]]:
    """The national overview: one row per municipality (IG labels, rows)."""
    igs = quality.igs()
    months = quality.months()
    coverage: dict[tuple[str, str], int] = defaultdict(int)
    for c in quality.coverage:
        coverage[(c.kommunekode, c.ig)] += 1 if c.reporting else 0
    rows = []
    for m in municipalities:
        own = quality.for_municipality(m.kommunekode)
        by_rule = own.rejects_by_rule()
        lags = [g.median_days for g in own.lag if g.median_days is not None]
        rows.append(
            OverviewRow(
                municipality=m,
                region_name=units.name("region", m.region_code),
                reporting=tuple(f"{coverage[(m.kommunekode, ig)]} af {len(months)}" for ig in igs),
                rejected=format_int(sum(n for _, n in by_rule))
                if "rejects" in quality.present
                else MISSING,
                top_rule=by_rule[0][0].rule_key if by_rule else MISSING,
                lag=format_days(median(lags)) if lags else MISSING,
            )
        )
    return tuple(IG_LABELS.get(ig, ig) for ig in igs), rows


def results_overview(
    index: ResultIndex, catalogue: Catalogue, municipalities: tuple[Municipality, ...]
) -> tuple[tuple[str, ...], list[tuple[Municipality, tuple[str, ...]]]]:
    """Each municipality's latest result per indicator (headers, rows), as public text."""
    keys: list[Key] = [
        (database, indicator, index.periods(database, indicator)[-1])
        for database in index.databases()
        for indicator in index.indicators(database)
    ]
    headers = tuple(
        f"{k[1]}: {catalogue.indicator(k[0], k[1]).title} ({format_period(k[2])})" for k in keys
    )
    rows = []
    for m in municipalities:
        values = []
        for key in keys:
            row = index.get(key, "municipality", m.kommunekode)
            if row is None:
                values.append(MISSING)
            else:
                values.append(SUPPRESSED_TEXT if row.suppressed else format_percent(row.proportion))
        rows.append((m, tuple(values)))
    return headers, rows
