"""Results arranged for reading: index by indicator, unit and period; rows as display cells.

The functions here are pure: rows in, small view objects out. Templates only lay them out,
so every number a reader sees is formatted in one place from the input row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tvaers.publish.charts import FunnelPoint, TrendSeries, funnel_svg, trend_svg
from tvaers.publish.formatting import (
    MISSING,
    format_int,
    format_percent,
    format_period,
    format_proportion_ci,
)
from tvaers.publish.results import ResultRow, Standard
from tvaers.publish.units import NATIONAL_ID, UnitDirectory

SUPPRESSED_TEXT = "Skjult (få forløb)"
#: Marks a row below the public threshold that a user with legitimate access may see.
NOT_PUBLIC = "not_public"
NOT_PUBLIC_TEXT = "ikke offentligt: få forløb"
CI_METHODS = {"wilson": "Wilson", "clopper-pearson": "Clopper-Pearson (eksakt)"}
POSITION_TEXT = {
    "over": "Over 99,8 %-grænsen",
    "under": "Under 99,8 %-grænsen",
    "over95": "Over 95 %-grænsen",
    "under95": "Under 95 %-grænsen",
    "inside": "Inden for grænserne",
}

Key = tuple[str, str, str]  # database, indicator, period


class ResultIndex:
    """Rows looked up by (database, indicator, period, unit_type, unit_id)."""

    def __init__(self, rows: Iterable[ResultRow]):
        self.rows = list(rows)
        self._by_key: dict[tuple[str, str, str, str, str], ResultRow] = {}
        self._by_group: dict[tuple[str, str, str, str], list[ResultRow]] = defaultdict(list)
        for row in self.rows:
            key = (row.database, row.indicator, row.period, row.unit_type, row.unit_id)
            self._by_key[key] = row
            self._by_group[key[:4]].append(row)

    def databases(self) -> list[str]:
        return sorted({r.database for r in self.rows})

    def indicators(self, database: str) -> list[str]:
        return sorted({r.indicator for r in self.rows if r.database == database})

    def periods(self, database: str, indicator: str | None = None) -> list[str]:
        return sorted(
            {
                r.period
                for r in self.rows
                if r.database == database and (indicator is None or r.indicator == indicator)
            }
        )

    def get(self, key: Key, unit_type: str, unit_id: str) -> ResultRow | None:
        return self._by_key.get((*key, unit_type, unit_id))

    def national(self, key: Key) -> ResultRow | None:
        group = self._by_group.get((*key, "national"), [])
        return self.get(key, "national", NATIONAL_ID) or (group[0] if group else None)

    def units(self, key: Key, unit_type: str) -> list[ResultRow]:
        return list(self._by_group.get((*key, unit_type), []))

    def unit_types(self, key: Key) -> list[str]:
        order = ("region", "municipality", "delivering_municipality", "hospital")
        return [t for t in order if self._by_group.get((*key, t))]


@dataclass(frozen=True, slots=True)
class Cells:
    """One results row as the display strings a table shows."""

    unit_type: str
    unit_id: str
    name: str
    region: str
    numerator: str
    denominator: str
    result: str
    proportion: str
    uoplyst: str
    excluded: str
    coverage: str
    completeness: str
    standard_met: str
    position: str
    suppressed: bool
    completeness_low: bool


def standard_label(standard: Standard | None) -> str:
    """ "≥ 90 %" or "Ingen standard"."""
    if standard is None:
        return "Ingen standard"
    return f"{standard.symbol} {format_percent(standard.value, 0 if (standard.value * 100).is_integer() else 1)}"


def met_label(value: bool | None) -> str:
    return MISSING if value is None else ("Ja" if value else "Nej")


def funnel_position(row: ResultRow) -> str:
    if row.suppressed or row.proportion is None or row.denominator is None:
        return MISSING
    point = FunnelPoint(
        "",
        row.denominator,
        row.proportion,
        row.funnel_95_low,
        row.funnel_95_high,
        row.funnel_998_low,
        row.funnel_998_high,
    )
    if all(
        v is None
        for v in (row.funnel_95_low, row.funnel_95_high, row.funnel_998_low, row.funnel_998_high)
    ):
        return MISSING
    return POSITION_TEXT[point.position]


def _result(row: ResultRow) -> str:
    text = format_proportion_ci(row.proportion, row.ci_low, row.ci_high)
    return f"{text} ({NOT_PUBLIC_TEXT})" if row.extra.get(NOT_PUBLIC) else text


def cells(row: ResultRow, units: UnitDirectory, completeness_bar: float = 0.9) -> Cells:
    """Format one row for display; a suppressed row shows no small-number value at all."""
    region_code = units.region_of(row.unit_type, row.unit_id)
    region = units.name("region", region_code) if region_code else MISSING

    def small(text: str) -> str:
        return MISSING if row.suppressed else text

    return Cells(
        unit_type=row.unit_type,
        unit_id=row.unit_id,
        name=units.name(row.unit_type, row.unit_id),
        region=region,
        numerator=small(format_int(row.numerator)),
        denominator=small(format_int(row.denominator)),
        result=SUPPRESSED_TEXT if row.suppressed else _result(row),
        proportion=SUPPRESSED_TEXT if row.suppressed else format_percent(row.proportion),
        uoplyst=small(format_int(row.uoplyst)),
        excluded=small(format_int(row.excluded)),
        coverage=format_percent(row.coverage),
        completeness=format_percent(row.completeness),
        standard_met=small(met_label(row.standard_met)),
        position=funnel_position(row),
        suppressed=row.suppressed,
        completeness_low=row.completeness is not None and row.completeness < completeness_bar,
    )


def sort_rows(rows: Sequence[ResultRow], units: UnitDirectory) -> list[ResultRow]:
    """Rows in reading order: by region, then by Danish unit name."""
    return sorted(
        rows,
        key=lambda r: (
            units.region_of(r.unit_type, r.unit_id) or "9999",
            units.name(r.unit_type, r.unit_id).lower(),
        ),
    )


def funnel_points(
    rows: Sequence[ResultRow], units: UnitDirectory, highlight: str | None = None
) -> list[FunnelPoint]:
    """The plottable units: suppressed rows and rows without a proportion are left out."""
    return [
        FunnelPoint(
            label=units.name(r.unit_type, r.unit_id),
            denominator=r.denominator,
            proportion=r.proportion,
            low95=r.funnel_95_low,
            high95=r.funnel_95_high,
            low998=r.funnel_998_low,
            high998=r.funnel_998_high,
            highlight=r.unit_id == highlight,
        )
        for r in rows
        if not r.suppressed and r.proportion is not None and r.denominator
    ]


def funnel_for(
    index: ResultIndex,
    key: Key,
    unit_type: str,
    units: UnitDirectory,
    title: str,
    chart_id: str,
    highlight: str | None = None,
) -> str | None:
    """The funnel SVG of one unit type for one indicator and period (None if nothing to plot)."""
    rows = index.units(key, unit_type)
    points = funnel_points(rows, units, highlight)
    if len(points) < 3:
        return None
    national = index.national(key)
    target = national.proportion if national and not national.suppressed else None
    standard = next((r.standard.value for r in rows if r.standard), None)
    return funnel_svg(chart_id, title, points, target, standard)


@dataclass(frozen=True, slots=True)
class Trend:
    """A trend chart with its table: periods as columns, one row per series."""

    periods: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    svg: str


def trend_for(
    index: ResultIndex,
    database: str,
    indicator: str,
    series: Sequence[tuple[str, str, str]],
    units: UnitDirectory,
    chart_id: str,
    title: str,
) -> Trend | None:
    """Development over periods for ``series`` = [(label, unit_type, unit_id), ...]."""
    periods = index.periods(database, indicator)
    if not periods:
        return None
    lines: list[TrendSeries] = []
    table: list[tuple[str, tuple[str, ...]]] = []
    for label, unit_type, unit_id in series:
        found = [index.get((database, indicator, p), unit_type, unit_id) for p in periods]
        visible = [r if r is not None and not r.suppressed else None for r in found]
        lines.append(TrendSeries(label, tuple(r.proportion if r else None for r in visible)))
        table.append(
            (
                label,
                tuple(
                    SUPPRESSED_TEXT
                    if r is not None and r.suppressed
                    else format_proportion_ci(r.proportion, r.ci_low, r.ci_high)
                    if r
                    else MISSING
                    for r in found
                ),
            )
        )
    standard = next(
        (
            r.standard.value
            for p in periods
            if (r := index.national((database, indicator, p))) and r.standard
        ),
        None,
    )
    labels = tuple(format_period(p) for p in periods)
    return Trend(labels, tuple(table), trend_svg(chart_id, title, labels, lines, standard))


def ci_method_label(rows: Iterable[ResultRow]) -> str:
    methods = sorted(
        {
            CI_METHODS.get((r.ci_method or "").lower(), r.ci_method or "")
            for r in rows
            if r.ci_method
        }
    )
    return ", ".join(methods) or MISSING
