"""``tvaers registry sync``: pull the gateway's incremental feed as a ``cpr`` recipient.

The feed (docs/contracts.md, Forwarding feed): ``GET /fhir/recipients/{id}/incremental?
_since=INSTANT`` on the first call, then the opaque URL of the HTTP header
``Link: <...>; rel="next"``. A page is a Bundle (one per IG) whose entries are delivery
reports (nested Bundles; nesting of any depth is unpacked). Each page goes through the same
path as ``import-reports`` (checked, pseudonymised on entry, folded with ``apply_report``,
changed resources flattened) and is committed in one store transaction *together with the
next cursor* (pages are committed in batches, see :func:`sync`): the stored cursor is the
acknowledgement, so an interrupted sync resumes after the last committed page and never
applies a page twice. A page without reports
means the registry has caught up; its ``next`` cursor is kept for the next run.

A report's arrival time is the gateway's receipt (``Bundle.meta.lastUpdated`` of the
delivery report as the gateway serves it), else ``Bundle.timestamp``; its municipality is
the one owning the citizen's ``managingOrganization`` SOR code (organisation table).
Coverage is counted from the reports received, like ``import-reports``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tvaers.errors import InputError, ServiceError
from tvaers.fhir.state import managing_sor
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.reports import Prepared, RawReport, fresh_reports, prepare
from tvaers.registry.reports_store import load_state, save
from tvaers.registry.store import RegistryStore
from tvaers.terminology.cpr import CprMode

STATE = "sync_state"
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


@dataclass
class SyncSummary:
    pages: int = 0
    reports: int = 0
    new_reports: int = 0
    cursor: str | None = None


def next_link(headers: Mapping[str, str]) -> str | None:
    """The ``rel="next"`` URL of an HTTP ``Link`` header, or None."""
    match = _NEXT.search(headers.get("link", "") or headers.get("Link", ""))
    return match.group(1) if match else None


def page_reports(page: Any, url: str, municipality_of: Mapping[str, str]) -> list[RawReport]:
    """The delivery reports inside one feed page, in entry order."""
    if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
        raise InputError("feed page is not a Bundle", location=url)
    return [
        RawReport(
            bundle, f"{url}#entry[{i}]", None, municipality_of.get(managing_sor(bundle) or "")
        )
        for i, bundle in enumerate(_reports(page))
    ]


def _reports(bundle: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in bundle.get("entry") or ():
        inner = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(inner, dict) or inner.get("resourceType") != "Bundle":
            continue
        if any(
            isinstance(e, dict) and (e.get("resource") or {}).get("resourceType") == "Bundle"
            for e in inner.get("entry") or ()
        ):
            yield from _reports(inner)  # an incremental delivery inside the page
        else:
            yield inner


def municipalities_by_sor(store: RegistryStore) -> dict[str, str]:
    """SOR code -> kommunekode from the registry's organisation table (empty if none)."""
    from tvaers.terminology.organisations import read_organisations

    path = store.table_path("organisations")
    if path is None:
        return {}
    table = read_organisations(path)
    found = {}
    for row in table.rows:
        kommune = table.kommunekode_of(row.sor_code)
        if kommune:
            found[row.sor_code] = kommune
    return found


def cursor(store: RegistryStore) -> str | None:
    import pyarrow.parquet as pq

    path = store.table_path(STATE)
    if path is None:
        return None
    rows = pq.read_table(path).to_pylist()
    return rows[-1]["next_url"] if rows else None


def _state_table(url: str) -> Any:
    import pyarrow as pa

    from tvaers.registry.store import now_iso

    return pa.table({"next_url": [url], "updated_at": [now_iso()]})


BATCH_MIN = 2_000  # reports per commit at least (unless the feed is caught up)
BATCH_MAX = 50_000  # and at most, bounding memory


def sync(
    store: RegistryStore,
    key: PseudonymKey,
    client: Any,
    first_url: str,
    *,
    cpr_mode: CprMode = "dk-core",
    max_pages: int | None = None,
    on_page: Callable[[SyncSummary], None] | None = None,
) -> SyncSummary:
    """Pull pages until one has no reports (or ``max_pages``); commit them with their cursor.

    Pages are committed in batches: each commit rewrites the registry's tables, so a batch
    holds at least as many reports as the store already has (between ``BATCH_MIN`` and
    ``BATCH_MAX``), which keeps a long first sync linear rather than quadratic. A batch is
    committed together with the cursor after its last page; when a request or a page fails
    (HTTP error, connection error, a malformed page or report), the pages pulled before it
    are committed first, then the error is raised.

    ``client`` is an ``httpx.Client`` (base URL and bearer token set by the caller);
    ``on_page`` is called after every page pulled (progress).
    """
    summary = SyncSummary()
    url = cursor(store) or first_url
    by_sor = municipalities_by_sor(store)
    state = load_state(store)
    pending: list[Prepared] = []
    pending_cursor: str | None = None

    def commit() -> None:
        nonlocal state, pending, pending_cursor
        if pending_cursor is None:
            return
        fresh = fresh_reports(pending, state.seen)
        save(
            store,
            key,
            state,
            fresh,
            source=url,
            rebuild=False,
            extra={STATE: _state_table(pending_cursor)},
        )
        summary.new_reports += len(fresh)
        summary.cursor = pending_cursor
        pending, pending_cursor = [], None
        state = load_state(store)

    while max_pages is None or summary.pages < max_pages:
        try:
            response = client.get(url)
            if response.status_code != 200:
                raise ServiceError(
                    f"gateway answered {response.status_code} for {url}: {response.text[:300]}"
                )
            following = next_link(response.headers)
            reports = page_reports(response.json(), url, by_sor)
            prepared = [prepare(r, key, cpr_mode) for r in reports]  # all of the page, or none
        except Exception:
            commit()  # keep the pages pulled before the failing one
            raise
        pending.extend(prepared)
        pending_cursor = following or url
        summary.pages += 1
        summary.reports += len(reports)
        if on_page is not None:
            on_page(summary)
        if not reports or following is None:
            break
        if len(pending) >= min(BATCH_MAX, max(BATCH_MIN, len(state.log))):
            commit()
        url = following
    commit()
    return summary
