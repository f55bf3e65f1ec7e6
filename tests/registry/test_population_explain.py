"""``registry population`` (attrition, overlap) and ``registry explain`` (role-checked,
audit-logged person lists) on the hand-made fixtures; expected counts worked out by hand
from the fixture tables (heart_fixture.py, diabetes_fixture.py)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tvaers.errors import AccessDenied
from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.store import RegistryStore

Store = tuple[RegistryStore, PseudonymKey]


def _store(base: Path, fixture: ModuleType) -> Store:
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = fixture.write_extracts(base / "extract")
    for group in ("cpr", "lpr", "organisations"):
        import_group(store, key, group, src, data_cutoff=fixture.CUTOFF)
    tables = {t: src / f"{t}.parquet" for t in fixture.MUNICIPAL}
    import_named(store, key, tables, data_cutoff=fixture.CUTOFF)
    return store, key


@pytest.fixture(scope="module")
def heart(tmp_path_factory: pytest.TempPathFactory) -> Store:
    import heart_fixture

    from tvaers.registry.runs import run_database

    got = _store(tmp_path_factory.mktemp("heart"), heart_fixture)
    run_database("heart", got[0], "2025")
    return got


@pytest.fixture(scope="module")
def heart_rows(heart: Store) -> list[dict[str, Any]]:
    from tvaers.registry.population import population_report

    return population_report("heart", heart[0], "2025").attrition


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory: pytest.TempPathFactory) -> Store:
    import diabetes_fixture

    return _store(tmp_path_factory.mktemp("diabetes"), diabetes_fixture)


def _find(rows: list[dict[str, Any]], **want: Any) -> int:
    (row,) = [r for r in rows if all(r[k] == v for k, v in want.items())]
    return int(row["count"])


def test_attrition_of_a_record_population_and_its_indicator(heart_rows: list[Any]) -> None:
    rows = heart_rows
    scope = "population:cardiac_referrals"
    # 9 referrals authored in 2025 (P09's is from 2024); P03's focus is heart failure
    assert _find(rows, scope=scope, rule="rows", municipality="DK") == 9
    assert _find(rows, scope=scope, rule="cardiac_focus", municipality="DK") == 8
    assert _find(rows, scope=scope, rule="population", municipality="DK") == 8
    assert _find(rows, scope=scope, rule="population", municipality="147") == 1  # P08
    h2 = "indicator:H2"
    assert (
        _find(rows, scope=h2, kind="uoplyst_decided", rule="no_contact_yet", municipality="DK") == 1
    )
    assert _find(rows, scope=h2, kind="bucket", rule="numerator", municipality="101") == 4


def test_attrition_of_an_admission_population(heart_rows: list[Any]) -> None:
    rows = heart_rows
    scope = "population:cardiac"
    # Q10 and Q11 have two 2025 admissions each; the lockout keeps one index each (Q11's
    # March admission falls inside 365 days of June 2024); Q12 is 17 years old.
    assert _find(rows, scope=scope, rule="pci", municipality="DK") == 1
    assert _find(rows, scope=scope, rule="cabg", municipality="DK") == 1
    assert _find(rows, scope=scope, rule="candidates", municipality="DK") == 19
    assert _find(rows, scope=scope, rule="population", municipality="DK") == 17
    h1 = "indicator:H1"
    assert _find(rows, scope=h1, kind="exclusion", rule="died_30d", municipality="DK") == 1
    assert (
        _find(
            rows,
            scope=h1,
            kind="uoplyst_decided",
            rule="municipality_not_reporting",
            municipality="DK",
        )
        == 3
    )


def test_overlap_of_hospital_and_municipal_populations(diabetes: Store) -> None:
    from diabetes_fixture import A, B

    from tvaers.registry.population import population_report

    report = population_report("diabetes", diabetes[0], "2025", persons=True)
    by = {
        r["municipality"]: (r["both"], r["hospital_only"], r["municipal_only"])
        for r in report.overlap
    }
    # hospital: A1 A3 A4 A5 A7 A8; municipal: A1 B1 B2 B4; A5 lives in 751
    assert by["DK"] == (1, 5, 3)
    assert by["101"] == (1, 4, 3)
    assert by["751"] == (0, 1, 0)
    key = diabetes[1]
    who = {p["pid"]: p["category"] for p in report.persons["t2d"]}
    assert who[key.pseudonym(A[1])] == "both"
    assert who[key.pseudonym(A[5])] == "hospital_only"
    assert who[key.pseudonym(B[2])] == "municipal_only"


@pytest.fixture(scope="module")
def users(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard's own user store (the registry reads the same file)."""
    from argon2 import PasswordHasher

    from tvaers.publish.dashboard.users import UserStore
    from tvaers.registry.access import parse_scope

    path = tmp_path_factory.mktemp("users") / "users.sqlite"
    store = UserStore(path, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    password = "korrekt-hest-batteri"
    store.add("kommune101", password, "municipality", (parse_scope("municipality:101"),))
    store.add("kommune147", password, "municipality", (parse_scope("municipality:147"),))
    store.add("region", password, "region", (parse_scope("region:1084"),))
    store.add("drift", password, "operator", (parse_scope("national"),))
    store.add("gammel", password, "analyst", (parse_scope("national"),))
    store.disable("gammel")
    return path


def _explain(heart: Store, tmp_path: Path, users: Path, user: str, unit: str) -> Any:
    from tvaers.registry.explain import explain

    return explain(
        heart[0],
        "heart",
        "H1",
        unit,
        "2025",
        user=user,
        users_db=users,
        audit_log=tmp_path / "audit.jsonl",
    )


def test_explain_lists_the_units_behind_a_municipal_number(
    heart: Store, tmp_path: Path, users: Path
) -> None:
    from heart_fixture import H1, Q

    got = _explain(heart, tmp_path, users, "kommune101", "municipality:101")
    # H1 in 101: numerator Q01 Q02 Q08 Q10 Q18, denominator_only Q03 Q06, Q04 excluded, Q14 uoplyst
    assert got.counts() == {"numerator": 5, "denominator_only": 2, "excluded": 1, "uoplyst": 1}
    person = {heart[1].pseudonym(c): n for n, c in Q.items()}
    assert {person[r["pid"]]: (r["bucket"], r["reason"]) for r in got.rows} == {
        n: H1[n] for n in (1, 2, 3, 4, 6, 8, 10, 14, 18)
    }
    (q04,) = [r for r in got.rows if person[r["pid"]] == 4]
    assert q04["rules"] == ["ami", "died_30d", "started"]
    (event,) = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert (event["action"], event["user"], event["outcome"], event["persons"]) == (
        "registry.persons",
        "kommune101",
        "allowed",
        9,
    )
    assert event["unit"] == "municipality:101" and "pid" not in json.dumps(event)


@pytest.mark.parametrize(
    ("user", "unit", "reason"),
    [
        ("kommune147", "municipality:101", "outside the scope municipality:147"),
        ("drift", "municipality:101", "role operator may not see person lists"),
        ("gammel", "municipality:101", "disabled"),
        ("nobody", "national", "unknown user"),
        ("region", "municipality:751", "outside the scope region:1084"),
    ],
)
def test_explain_refuses_and_logs(
    heart: Store, tmp_path: Path, users: Path, user: str, unit: str, reason: str
) -> None:
    with pytest.raises(AccessDenied, match=reason):
        _explain(heart, tmp_path, users, user, unit)
    (event,) = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert (event["user"], event["outcome"]) == (user, "denied") and reason in event["reason"]


def test_explain_by_region_for_a_regional_user(heart: Store, tmp_path: Path, users: Path) -> None:
    got = _explain(heart, tmp_path, users, "region", "region:1084")
    assert got.counts() == {"numerator": 6, "denominator_only": 4, "excluded": 1, "uoplyst": 1}


def test_cli_explain_and_population(
    heart: Store, tmp_path: Path, users: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tvaers.cli.main import main

    common = ["--registry", str(heart[0].root), "--users-db", str(users)]
    common += ["--audit-log", str(tmp_path / "audit.jsonl")]
    args = ["registry", "explain", "--database", "heart", "--indicator", "H2", "--period", "2025"]
    assert (
        main([*args, "--unit", "delivering_municipality:147", "--user", "kommune147", *common]) == 0
    )
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0].startswith("unit_id\tpid") and len(lines) == 1 + 3  # P06 P07 P08
    assert "denominator_only 2, numerator 1" in out.err
    assert main([*args, "--unit", "municipality:101", "--user", "kommune147", *common]) == 5
    assert "outside the scope" in capsys.readouterr().err
    pop = ["registry", "population", "--database", "heart", "--period", "2025"]
    assert main([*pop, "--municipality", "147", "--persons", "--user", "kommune147", *common]) == 0
    text = capsys.readouterr().out
    assert "population:cardiac_referrals\t4\tstage\tpopulation\t147\t1\t" in text
    assert "cardiac\tDK\t0\t17\t8" in text
    persons = text.split("# persons each side would miss (pseudonyms)")[1].splitlines()[2:]
    assert {line.split("\t")[1] for line in persons} == {"147"}
    assert len(persons) == 4  # Q07 Q11 Q20 (hospital only) and P08 (municipal only)
