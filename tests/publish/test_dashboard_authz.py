"""The authorization matrix: every role x page x unit, stated here independently of the code.

Pages are opened through HTTP as each fixture user; a person list is shown (200, audit
"allowed") exactly where the matrix says so, and refused (403, audit "denied") elsewhere.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dashboard_support import USERS, Dashboard, client, login, make_dashboard
from html_helpers import parse_text, table_rows
from publish_factories import hospital_code, require
from starlette.testclient import TestClient

from tvaers.publish.formatting import format_int

PAGES = {
    #  user:               /    population  datakvalitet  admin
    "drift": (200, 403, 200, 200),
    "analytiker": (200, 200, 200, 403),
    "analytiker.kbh": (200, 200, 200, 403),
    "region.hovedstaden": (200, 200, 200, 403),
    "region.nordjylland": (200, 200, 200, 403),
    "kbh": (200, 200, 200, 403),
    "frederiksberg": (200, 200, 200, 403),
}
PAGE_URLS = ("/", "/population", "/datakvalitet", "/admin/brugere")
UNITS = {
    ("municipality", "101"): {"analytiker", "analytiker.kbh", "region.hovedstaden", "kbh"},
    ("municipality", "147"): {"analytiker", "region.hovedstaden", "frederiksberg"},
    ("municipality", "825"): {"analytiker", "region.nordjylland"},
    ("region", "1084"): {"analytiker", "region.hovedstaden"},
    ("region", "1081"): {"analytiker", "region.nordjylland"},
    ("hospital", hospital_code("1084")): {"analytiker", "region.hovedstaden"},
    ("national", "DK"): {"analytiker"},
}
SEES_CPR = {"region.hovedstaden", "region.nordjylland", "kbh", "frederiksberg"}


@pytest.fixture(scope="module")
def dash(small_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Dashboard:
    return make_dashboard(small_release, tmp_path_factory.mktemp("authz"))


@pytest.fixture(scope="module")
def clients(dash: Dashboard) -> dict[str, TestClient]:
    signed_in = {}
    for name in USERS:
        c = client(dash)
        assert login(c, name) == 303
        signed_in[name] = c
    return signed_in


def persons_url(unit_type: str, unit_id: str) -> str:
    return f"/indikatorer/drkol/K1/{unit_type}/{unit_id}/personer?periode=2024"


@pytest.mark.parametrize("user", sorted(USERS))
def test_pages_by_role(clients: dict[str, TestClient], user: str) -> None:
    statuses = tuple(clients[user].get(url).status_code for url in PAGE_URLS)
    assert statuses == PAGES[user]


@pytest.mark.parametrize("unit", sorted(UNITS), ids=lambda u: f"{u[0]}-{u[1]}")
@pytest.mark.parametrize("user", sorted(USERS))
def test_person_lists_by_role_and_unit(
    dash: Dashboard, clients: dict[str, TestClient], user: str, unit: tuple[str, str]
) -> None:
    allowed = user in UNITS[unit]
    before = len(dash.audit.events())
    response = clients[user].get(persons_url(*unit))
    assert response.status_code == (200 if allowed else 403)
    events = dash.audit.events()[before:]
    assert len(events) == 1
    event = events[0]
    assert (event["action"], event["user"], event["unit_type"], event["unit_id"]) == (
        "persons.read",
        user,
        *unit,
    )
    assert event["outcome"] == ("allowed" if allowed else "denied")
    # The unit page offers the link exactly where the list may be opened.
    page = clients[user].get(f"/indikatorer/drkol/K1/{unit[0]}/{unit[1]}?periode=2024")
    assert page.status_code == 200
    assert ("/personer?periode=2024" in page.text) == allowed


@pytest.mark.parametrize(
    "user",
    sorted(
        u
        for u in USERS
        if "101" in str(USERS[u][1]) or USERS[u][1] == ("national",) or u == "region.hovedstaden"
    ),
)
def test_person_list_identity_and_counts(
    small_release: Path, clients: dict[str, TestClient], user: str
) -> None:
    response = clients[user].get(persons_url("municipality", "101"))
    if user == "drift":
        assert response.status_code == 403
        return
    persons = [
        p
        for p in pq.read_table(small_release / "persons.parquet").to_pylist()
        if (p["indicator"], p["period"], p["kommunekode"]) == ("K1", "2024", "101")
    ]
    root = parse_text(response.text)
    people = table_rows(root, "personer-tabel")
    assert len(people) == len(persons)
    if user in SEES_CPR:
        assert set(people) == {p["cpr"] for p in persons}
    else:
        assert set(people) == {p["pseudonym"] for p in persons}
        assert not any(p["cpr"] in response.text for p in persons)
    result = next(
        r
        for r in pq.read_table(small_release / "results.parquet").to_pylist()
        if (r["indicator"], r["period"], r["unit_type"], r["unit_id"])
        == ("K1", "2024", "municipality", "101")
    )
    counts = {k: v[0] for k, v in table_rows(root, "grupper-tabel").items()}
    assert counts["Tæller (opfylder indikatoren)"] == format_int(result["numerator"])
    assert counts["Uoplyst"] == format_int(result["uoplyst"])
    assert counts["Ekskluderet"] == format_int(result["excluded"])


def test_small_numbers_only_for_units_in_scope(clients: dict[str, TestClient]) -> None:
    """Læsø (825) is suppressed publicly; its own region sees the numbers, others do not."""
    url = "/indikatorer/drkol/K1/municipality/825?periode=2024"
    own = table_rows(parse_text(clients["region.nordjylland"].get(url).text), "enhed-tabel")["Læsø"]
    other = table_rows(parse_text(clients["kbh"].get(url).text), "enhed-tabel")["Læsø"]
    assert own[2] != "Skjult (få forløb)" and own[1] != "–"
    assert own[2].endswith("(ikke offentligt: få forløb)")
    assert other[:3] == ["–", "–", "Skjult (få forløb)"]
    operator = table_rows(parse_text(clients["drift"].get(url).text), "enhed-tabel")["Læsø"]
    assert operator[2] == "Skjult (få forløb)"


@pytest.mark.parametrize("user", sorted(USERS))
def test_every_page_is_well_formed(clients: dict[str, TestClient], user: str) -> None:
    urls = [
        *PAGE_URLS,
        "/indikatorer/drkol/K1",
        "/indikatorer/drkol/K3?periode=2023",
        "/datakvalitet/101",
        "/indikatorer/drkol/K1/municipality/101?periode=2024",
    ]
    for url in urls:
        response = clients[user].get(url)
        root = parse_text(response.text)
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert len(ids) == len(set(ids)), url


def test_subject_list_measure_report(
    dash: Dashboard, clients: dict[str, TestClient], small_release: Path
) -> None:
    """The person list as a FHIR subject-list MeasureReport: own unit only, audited, valid R4(B)."""
    url = "/indikatorer/drkol/K1/municipality/101/personer/measurereport.json?periode=2024"
    assert clients["frederiksberg"].get(url).status_code == 403
    response = clients["kbh"].get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    report = response.json()
    assert report["type"] == "subject-list"
    lists = {c["id"]: c for c in report["contained"]}
    population = {p["code"]["coding"][0]["code"]: p for p in report["group"][0]["population"]}
    for code, entry in population.items():
        listed = lists[entry["subjectResults"]["reference"][1:]]["entry"]
        assert len(listed) == entry["count"], code
    systems = {e["item"]["identifier"]["system"] for e in lists["list-numerator"]["entry"]}
    assert systems == {"urn:oid:1.2.208.176.1.2"}  # a municipality viewer sees CPR numbers
    events = [e for e in dash.audit.events() if e["action"] == "persons.export"]
    assert [(e["user"], e["outcome"]) for e in events[-2:]] == [
        ("frederiksberg", "denied"),
        ("kbh", "allowed"),
    ]
    require(
        importlib.util.find_spec("fhir.resources") is not None,
        "fhir.resources==8.3.0 is not installed",
    )
    from fhir.resources.R4B.measurereport import MeasureReport

    MeasureReport.model_validate(report)
    analyst = clients["analytiker"].get(url).json()
    analyst_lists = {c["id"]: c for c in analyst["contained"]}
    assert {
        e["item"]["identifier"]["system"] for e in analyst_lists["list-numerator"]["entry"]
    } == {"urn:tvaers:pseudonym"}
