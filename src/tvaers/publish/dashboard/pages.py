"""The dashboard's pages: indicators with drill-down, population, data quality, person lists.

Every page is built from the signed-in user's view of the release
(:meth:`DashboardData.index_for`); the person list checks the unit against the user's scope
and writes an audit event whether it is shown or refused.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tvaers.publish.annual import build_section
from tvaers.publish.dashboard.permissions import RULES, may_see_persons, unit_in_scope
from tvaers.publish.dashboard.persons import BUCKET_LABELS
from tvaers.publish.dashboard.users import Session
from tvaers.publish.dashboard.web import PageError, render, require_session, state
from tvaers.publish.feedback import build_feedback, build_overview
from tvaers.publish.formatting import format_int, format_period
from tvaers.publish.measure_report import (
    CPR_SYSTEM,
    PSEUDONYM_SYSTEM,
    measure_report,
    subject_list_report,
)
from tvaers.publish.model import Key, ResultIndex, cells, funnel_for, sort_rows, trend_for
from tvaers.publish.units import UNIT_TYPE_LABELS
from tvaers.terminology.geography import municipalities, municipality_by_code

router = APIRouter()
NOT_FOUND = "Den ønskede indikator, enhed eller periode findes ikke."
PERSONS_REFUSED = (
    "Personlisten kan kun ses for enheder i din egen kommune eller region, "
    "af roller med adgang til personoplysninger."
)


def _index(request: Request, session: Session) -> ResultIndex:
    return state(request).data.index_for(session.user.role, session.user.scope)


def _period(index: ResultIndex, database: str, indicator: str, period: str | None) -> str:
    periods = index.periods(database, indicator)
    if not periods or (period is not None and period not in periods):
        raise PageError(404, "Siden findes ikke", NOT_FOUND)
    return period or periods[-1]


def unit_url(database: str, indicator: str, unit_type: str, unit_id: str, period: str) -> str:
    return f"/indikatorer/{quote(database)}/{quote(indicator)}/{unit_type}/{quote(unit_id, safe='')}?periode={quote(period)}"


def _highlight(session: Session) -> str | None:
    return next((s.code for s in session.user.scope if s.kind == "municipality"), None)


@router.get("/", response_class=HTMLResponse)
def indicators(request: Request) -> Response:
    session = require_session(request, "indicators")
    index = _index(request, session)
    catalogue = state(request).data.release.catalogue
    databases = []
    for database in index.databases():
        items = []
        for indicator in index.indicators(database):
            period = index.periods(database, indicator)[-1]
            national = index.national((database, indicator, period))
            items.append(
                (
                    catalogue.indicator(database, indicator),
                    format_period(period),
                    cells(national, state(request).data.release.units) if national else None,
                )
            )
        databases.append((catalogue.database(database), items))
    return render(request, "dash_indicators.html", title="Indikatorer", databases=databases)


@router.get("/indikatorer/{database}/{indicator}", response_class=HTMLResponse)
def indicator_page(
    request: Request, database: str, indicator: str, periode: str | None = None
) -> Response:
    session = require_session(request, "indicators")
    index = _index(request, session)
    period = _period(index, database, indicator, periode)
    data = state(request).data
    info = data.release.catalogue.indicator(database, indicator)
    own = _highlight(session)
    section = build_section(index, info, period, data.release.units, {}, own)
    links = {
        t.unit_type: {
            c.unit_id: unit_url(database, indicator, t.unit_type, c.unit_id, period) for c in t.rows
        }
        for t in section.tables
    }
    periods = [
        (
            p,
            format_period(p),
            f"/indikatorer/{quote(database)}/{quote(indicator)}?periode={quote(p)}",
        )
        for p in index.periods(database, indicator)
    ]
    return render(
        request,
        "dash_indicator.html",
        title=f"{info.indicator}: {info.title}",
        section=section,
        database=data.release.catalogue.database(database),
        period=period,
        period_label=format_period(period),
        periods=periods,
        links=links,
        highlight=own,
    )


@router.get(
    "/indikatorer/{database}/{indicator}/{unit_type}/{unit_id}", response_class=HTMLResponse
)
def unit_page(
    request: Request,
    database: str,
    indicator: str,
    unit_type: str,
    unit_id: str,
    periode: str | None = None,
) -> Response:
    session = require_session(request, "indicators")
    index = _index(request, session)
    period = _period(index, database, indicator, periode)
    units = state(request).data.release.units
    key: Key = (database, indicator, period)
    row = index.get(key, unit_type, unit_id)
    if row is None:
        raise PageError(404, "Siden findes ikke", NOT_FOUND)
    info = state(request).data.release.catalogue.indicator(database, indicator)
    name = units.name(unit_type, unit_id)
    region = units.region_of(unit_type, unit_id)
    compare = [row]
    series = [(name, unit_type, unit_id)]
    if region and unit_type != "region":
        region_row = index.get(key, "region", region)
        compare += [region_row] if region_row else []
        series.append((units.name("region", region), "region", region))
    national = index.national(key)
    if national is not None and unit_type != "national":
        compare.append(national)
        series.append(("Hele landet", "national", national.unit_id))
    anchor = f"{indicator}-{unit_type}".lower()
    trend = trend_for(
        index, database, indicator, series, units, f"trend-{anchor}", f"Udvikling: {name}"
    )
    funnel = None
    if unit_type in ("municipality", "hospital", "delivering_municipality"):
        funnel = funnel_for(
            index, key, unit_type, units, f"Tragtdiagram: {info.title}", f"funnel-{anchor}", unit_id
        )
    persons_url = None
    if may_see_persons(session.user.role, session.user.scope, unit_type, unit_id, units):
        persons_url = unit_url(database, indicator, unit_type, unit_id, period).replace(
            "?", "/personer?", 1
        )
    return render(
        request,
        "dash_unit.html",
        title=f"{info.indicator}: {name}",
        info=info,
        name=name,
        unit_type_label=UNIT_TYPE_LABELS.get(unit_type, unit_type),
        rows=[cells(r, units) for r in compare],
        period_label=format_period(period),
        trend=trend,
        funnel=funnel,
        anchor=anchor,
        unit_id=unit_id,
        persons_url=persons_url,
        back_url=f"/indikatorer/{quote(database)}/{quote(indicator)}?periode={quote(period)}",
        may_persons_page="persons" in RULES[session.user.role].pages,
    )


@router.get(
    "/indikatorer/{database}/{indicator}/{unit_type}/{unit_id}/personer",
    response_class=HTMLResponse,
)
def persons_page(
    request: Request,
    database: str,
    indicator: str,
    unit_type: str,
    unit_id: str,
    periode: str | None = None,
) -> Response:
    session = require_session(request)
    app = state(request)
    index = _index(request, session)
    period = _period(index, database, indicator, periode)
    units = app.data.release.units
    where = {
        "database": database,
        "indicator": indicator,
        "period": period,
        "unit_type": unit_type,
        "unit_id": unit_id,
    }
    if not may_see_persons(session.user.role, session.user.scope, unit_type, unit_id, units):
        app.audit.record("persons.read", session.user.username, "denied", **where)
        raise PageError(403, "Ingen adgang", PERSONS_REFUSED)
    if index.get((database, indicator, period), unit_type, unit_id) is None:
        raise PageError(404, "Siden findes ikke", NOT_FOUND)
    people = app.data.persons.for_unit(database, indicator, period, unit_type, unit_id)
    show_cpr = RULES[session.user.role].sees_cpr and app.data.persons.has_cpr
    app.audit.record(
        "persons.read",
        session.user.username,
        "allowed",
        persons=len(people),
        identity="cpr" if show_cpr else "pseudonym",
        **where,
    )
    counts = Counter(p.bucket for p in people)
    info = app.data.release.catalogue.indicator(database, indicator)
    return render(
        request,
        "dash_persons.html",
        title=f"Personer: {info.indicator}, {units.name(unit_type, unit_id)}",
        info=info,
        name=units.name(unit_type, unit_id),
        people=people,
        show_cpr=show_cpr,
        period_label=format_period(period),
        counts=[
            (label, format_int(counts.get(bucket, 0))) for bucket, label in BUCKET_LABELS.items()
        ],
        back_url=unit_url(database, indicator, unit_type, unit_id, period),
        fhir_url=unit_url(database, indicator, unit_type, unit_id, period).replace(
            "?", "/personer/measurereport.json?", 1
        ),
    )


@router.get("/indikatorer/{database}/{indicator}/{unit_type}/{unit_id}/personer/measurereport.json")
def persons_measure_report(
    request: Request,
    database: str,
    indicator: str,
    unit_type: str,
    unit_id: str,
    periode: str | None = None,
) -> Response:
    """The person list as a FHIR subject-list MeasureReport (same access rule and audit)."""
    session = require_session(request)
    app = state(request)
    index = _index(request, session)
    period = _period(index, database, indicator, periode)
    units = app.data.release.units
    where = {"database": database, "indicator": indicator, "period": period}
    where |= {"unit_type": unit_type, "unit_id": unit_id}
    if not may_see_persons(session.user.role, session.user.scope, unit_type, unit_id, units):
        app.audit.record("persons.export", session.user.username, "denied", **where)
        raise PageError(403, "Ingen adgang", PERSONS_REFUSED)
    row = index.get((database, indicator, period), unit_type, unit_id)
    if row is None:
        raise PageError(404, "Siden findes ikke", NOT_FOUND)
    people = app.data.persons.for_unit(database, indicator, period, unit_type, unit_id)
    show_cpr = RULES[session.user.role].sees_cpr and app.data.persons.has_cpr
    info = app.data.release.catalogue.indicator(database, indicator)
    summary = measure_report(
        row,
        info,
        app.settings.canonical_base,
        units,
        app.settings.publisher,
        info.uoplyst_in_denominator,
    )
    subjects = [
        (CPR_SYSTEM, p.cpr, p.bucket)
        if show_cpr and p.cpr
        else (PSEUDONYM_SYSTEM, p.pseudonym, p.bucket)
        for p in people
    ]
    app.audit.record(
        "persons.export",
        session.user.username,
        "allowed",
        persons=len(people),
        identity="cpr" if show_cpr else "pseudonym",
        **where,
    )
    body = json.dumps(subject_list_report(summary, subjects), ensure_ascii=False, indent=2)
    return Response(body, media_type="application/fhir+json", headers={"Cache-Control": "no-store"})


@router.get("/population", response_class=HTMLResponse)
def population_page(request: Request) -> Response:
    session = require_session(request, "population")
    index = _index(request, session)
    data = state(request).data
    units = data.release.units
    blocks = []
    for database in index.databases():
        for indicator in index.indicators(database):
            period = index.periods(database, indicator)[-1]
            key: Key = (database, indicator, period)
            rows = [r for r in [index.national(key)] if r] + sort_rows(
                index.units(key, "region"), units
            )
            rows += [
                r
                for r in sort_rows(index.units(key, "municipality"), units)
                if unit_in_scope(session.user.scope, "municipality", r.unit_id, units)
                and not any(s.kind == "national" for s in session.user.scope)
            ]
            blocks.append(
                (
                    data.release.catalogue.indicator(database, indicator),
                    format_period(period),
                    [cells(r, units) for r in rows],
                )
            )
    return render(request, "dash_population.html", title="Populationsrapport", blocks=blocks)


@router.get("/datakvalitet", response_class=HTMLResponse)
def quality_overview(request: Request) -> Response:
    require_session(request, "quality")
    data = state(request).data
    igs, rows = build_overview(data.release.quality, municipalities(), data.release.units)
    return render(request, "dash_quality.html", title="Datakvalitet", igs=igs, rows=rows)


@router.get("/datakvalitet/{kommunekode}", response_class=HTMLResponse)
def quality_page(request: Request, kommunekode: str) -> Response:
    session = require_session(request, "quality")
    municipality = municipality_by_code().get(kommunekode)
    if municipality is None:
        raise PageError(404, "Siden findes ikke", "Kommunen findes ikke.")
    data = state(request).data
    feedback = build_feedback(
        _index(request, session),
        data.release.catalogue,
        data.release.quality,
        municipality,
        data.release.units,
    )
    return render(
        request,
        "dash_quality_municipality.html",
        title=f"Datakvalitet: {municipality.name}",
        feedback=feedback,
        m=municipality,
    )
