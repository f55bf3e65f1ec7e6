"""Search on delivery reports: ``GET /fhir/Bundle?_lastUpdated=&_profile=&_count=``.

Results are the caller's municipalities' reports (all for an operator) in receipt order,
as a ``searchset`` Bundle with a ``next`` link carrying an opaque cursor. Every report
returned is audit-logged. Parameters that identify a person are not offered: no CPR ever
appears in a URL.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tvaers.gateway.api.bundles import reader, with_server_meta
from tvaers.gateway.api.context import Context, context, purpose
from tvaers.gateway.api.errors import ApiError, fhir_json
from tvaers.gateway.audit import AuditEvent
from tvaers.gateway.clients import Principal
from tvaers.gateway.reports import SearchFilter
from tvaers.gateway.timeutil import now_text, to_text

router = APIRouter(prefix="/fhir", tags=["delivery reports"])

SEARCH_PARAMS = ("_lastUpdated", "_profile", "_count", "_cursor")
_DATE = re.compile(
    r"^(?P<prefix>eq|gt|ge|lt|le)?(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)


def _bounds(value: str) -> tuple[datetime, datetime]:
    """The interval [start, end) a FHIR date/dateTime of some precision stands for."""
    if len(value) == 4:
        start = datetime(int(value), 1, 1, tzinfo=UTC)
        return start, start.replace(year=start.year + 1)
    if len(value) == 7:
        start = datetime(int(value[:4]), int(value[5:7]), 1, tzinfo=UTC)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end
    if len(value) == 10:
        start = datetime.fromisoformat(value).replace(tzinfo=UTC)
        return start, start + timedelta(days=1)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    step = timedelta(minutes=1) if len(value.split("T")[1]) <= 5 else timedelta(seconds=1)
    if "." in value:
        step = timedelta(microseconds=1)
    return moment, moment + step


def last_updated_range(text: str) -> tuple[str | None, str | None]:
    """``_lastUpdated`` as a half-open text range on the stored receipt time."""
    match = _DATE.match(text)
    if not match:
        raise ApiError(
            400,
            f"_lastUpdated value {text!r} is not [eq|gt|ge|lt|le]YYYY[-MM[-DD[Thh:mm[:ss][zone]]]]",
            expression="_lastUpdated",
        )
    try:
        start, end = _bounds(match.group("value"))
    except ValueError as exc:
        raise ApiError(400, f"_lastUpdated value {text!r}: {exc}") from exc
    prefix = match.group("prefix") or "eq"
    low, high = to_text(start), to_text(end)
    return {
        "eq": (low, high),
        "gt": (high, None),
        "ge": (low, None),
        "lt": (None, low),
        "le": (None, high),
    }[prefix]


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        if not raw.startswith("s"):
            raise ValueError(raw)
        return int(raw[1:])
    except ValueError as exc:
        raise ApiError(400, "the _cursor value is not one this server issued") from exc


def parse_search(request: Request, ctx: Context, principal: Principal) -> tuple[SearchFilter, int]:
    params = request.query_params
    unknown = sorted(set(params.keys()) - set(SEARCH_PARAMS))
    if unknown:
        raise ApiError(
            400,
            f"unsupported search parameter(s) {', '.join(unknown)}; supported: {', '.join(SEARCH_PARAMS)}",
        )
    ranges = tuple(last_updated_range(v) for v in params.getlist("_lastUpdated"))
    count_text = params.get("_count", "20")
    if not count_text.isdigit() or not 1 <= int(count_text) <= ctx.settings.search_max_count:
        raise ApiError(
            400, f"_count must be 1..{ctx.settings.search_max_count}, got {count_text!r}"
        )
    after = decode_cursor(params["_cursor"]) if "_cursor" in params else 0
    scope = None if principal.role == "operator" else principal.kommunekoder
    criteria = SearchFilter(scope, ranges, params.get("_profile"), after)
    return criteria, int(count_text)


def run_search(ctx: Context, principal: Principal, request: Request) -> dict[str, Any]:
    criteria, count = parse_search(request, ctx, principal)
    found = ctx.store.reports.search(criteria, count + 1)
    page, more = found[:count], len(found) > count
    ctx.store.audit.write(
        AuditEvent(principal.client_id, principal.role, "search", r.cpr, r.report_id,
                   purpose(request))
        for r in page
    )  # fmt: skip
    base = str(request.base_url).rstrip("/")
    keep = [(k, v) for k, v in request.query_params.multi_items() if k != "_cursor"]
    links = [{"relation": "self", "url": str(request.url)}]
    if more:
        query = urlencode([*keep, ("_cursor", encode_cursor(page[-1].seq))])
        links.append({"relation": "next", "url": f"{base}/fhir/Bundle?{query}"})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": now_text()[:23] + "Z",
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/fhir/Bundle/{r.report_id}",
                "resource": with_server_meta(r),
                "search": {"mode": "match"},
            }
            for r in page
        ],
    }


@router.get("/Bundle", summary="Search delivery reports (receipt time, profile; paged)")
async def search_bundles(request: Request, principal: Principal = Depends(reader)) -> Response:
    ctx = context(request)
    body = await run_in_threadpool(run_search, ctx, principal, request)
    return fhir_json(200, body)
