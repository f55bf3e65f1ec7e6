"""The written files: contract columns, internal consistency, determinism, manifest."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tvaers.synth.generate import generate
from tvaers.terminology.cpr import birth_date, cpr_problem, sex
from tvaers.terminology.geography import municipalities
from tvaers.terminology.organisations import read_organisations
from tvaers.terminology.sor import sor_problem

from .conftest import SMALL

# docs/contracts.md, Files (schema_version 1), written out by hand.
CONTRACT = {
    "cpr": ["cpr", "birth_date", "sex", "death_date", "emigration_date"],
    "cpr_residence": ["cpr", "kommunekode", "valid_from", "valid_to"],
    "lpr_contacts": [
        "contact_id",
        "cpr",
        "sor_unit",
        "start",
        "end",
        "contact_type",
        "priority",
        "episode_id",
        "episode_label",
    ],
    "lpr_diagnoses": ["contact_id", "code", "diag_type"],
    "lpr_procedures": ["contact_id", "code", "performed"],
}


def sql(run: Path, query: str) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    for name in ("cpr", "cpr_residence", "lpr_contacts", "lpr_diagnoses", "lpr_procedures"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{run / name}.parquet')")
    for name in ("referrals", "encounters", "conditions"):
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{run}/events/{name}.parquet')"
        )
    return con.execute(query).fetchall()


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_columns_come_first_and_in_order(small_run: Path, table: str) -> None:
    schema = pq.read_schema(small_run / f"{table}.parquet")
    assert schema.names[: len(CONTRACT[table])] == CONTRACT[table]
    assert schema.metadata[b"schema_version"] == b"1"


def test_cpr_numbers_are_unique_synthetic_and_consistent(small_run: Path) -> None:
    rows = pq.read_table(small_run / "cpr.parquet").to_pylist()
    numbers = [r["cpr"] for r in rows]
    assert len(numbers) > SMALL.citizens  # residents plus births
    assert len(set(numbers)) == len(numbers)
    for r in rows:
        assert cpr_problem(r["cpr"], "synthetic") is None
        assert birth_date(r["cpr"]) == r["birth_date"]
        assert sex(r["cpr"]) == r["sex"]


def test_residence_periods_do_not_overlap(small_run: Path) -> None:
    overlaps = sql(
        small_run,
        """SELECT count(*) FROM cpr_residence a JOIN cpr_residence b
           ON a.cpr = b.cpr AND a.valid_from < b.valid_from
           AND (a.valid_to IS NULL OR a.valid_to > b.valid_from)""",
    )
    assert overlaps == [(0,)]
    codes = {m.kommunekode for m in municipalities()}
    assert {r[0] for r in sql(small_run, "SELECT DISTINCT kommunekode FROM cpr_residence")} <= codes
    # every person has exactly one residence on the day they enter the data
    missing = sql(
        small_run,
        """SELECT count(*) FROM cpr c WHERE NOT EXISTS (SELECT 1 FROM cpr_residence r
           WHERE r.cpr = c.cpr AND r.valid_from <= greatest(c.birth_date, DATE '2023-01-01'))""",
    )
    assert missing == [(0,)]


def test_contacts_are_well_formed(small_run: Path) -> None:
    [(bad_times, types, priorities)] = sql(
        small_run,
        """SELECT count(*) FILTER (WHERE "end" <= start), list(DISTINCT contact_type ORDER BY contact_type),
                  list(DISTINCT priority ORDER BY priority) FROM lpr_contacts""",
    )
    assert bad_times == 0
    assert types == ["home", "physical", "virtual"]
    assert priorities == ["acute", "planned"]
    a_per_contact = sql(
        small_run,
        """SELECT count(*) FROM lpr_contacts c LEFT JOIN lpr_diagnoses d
           ON d.contact_id = c.contact_id AND d.diag_type = 'A' GROUP BY c.contact_id
           HAVING count(d.code) <> 1""",
    )
    assert a_per_contact == []
    orphans = sql(
        small_run,
        """SELECT count(*) FROM lpr_procedures p ANTI JOIN lpr_contacts c USING (contact_id)""",
    )
    assert orphans == [(0,)]


def test_nothing_happens_after_death_or_emigration(small_run: Path) -> None:
    late = sql(
        small_run,
        """SELECT count(*) FROM lpr_contacts l JOIN cpr c USING (cpr)
           WHERE l.start::DATE > coalesce(c.death_date, c.emigration_date, DATE '9999-12-31')""",
    )
    assert late == [(0,)]
    late_referrals = sql(
        small_run,
        """SELECT count(*) FROM referrals r JOIN cpr c USING (cpr)
           WHERE r.authored::DATE > coalesce(c.death_date, c.emigration_date, DATE '9999-12-31')""",
    )
    assert late_referrals == [(0,)]


def test_referrals_name_the_receiving_municipality(small_run: Path) -> None:
    wrong = sql(
        small_run,
        """SELECT count(*) FROM referrals f WHERE NOT EXISTS (SELECT 1 FROM cpr_residence r
           WHERE r.cpr = f.cpr AND r.kommunekode = f.kommunekode AND r.valid_from <= f.authored::DATE
           AND (r.valid_to IS NULL OR r.valid_to > f.authored::DATE))""",
    )
    assert wrong == [(0,)]
    kinds = sql(small_run, "SELECT DISTINCT law_section, programme FROM referrals ORDER BY ALL")
    assert ("SUL §140", "gop") in kinds and ("SUL §119", "heart") in kinds


def test_organisations_are_valid_and_units_belong_to_their_municipality(small_run: Path) -> None:
    table = read_organisations(small_run)
    assert all(sor_problem(r.sor_code) is None for r in table.rows)
    assert len({r.sor_code for r in table.rows}) == len(table.rows)
    units = [r for r in table.rows if r.kind == "municipal_unit"]
    assert len(units) == 4 * 98
    assert all(table.kommunekode_of(u.sor_code) == u.kommunekode for u in units)
    used = {r[0] for r in sql(small_run, "SELECT DISTINCT sor_unit FROM lpr_contacts")}
    departments = {r.sor_code for r in table.rows if r.kind == "department"}
    assert used <= departments


def test_clients_cover_every_municipality_once(small_run: Path) -> None:
    import tomllib

    clients = tomllib.loads((small_run / "clients.toml").read_text("utf-8"))["client"]
    codes = [k for c in clients for k in c["kommunekoder"]]
    assert sorted(codes) == sorted(m.kommunekode for m in municipalities())
    assert all("token" not in c and "secret" not in c for c in clients)


def test_manifest_records_parameters_and_counts(small_run: Path) -> None:
    manifest = json.loads((small_run / "manifest.json").read_text("utf-8"))
    assert manifest["enrichment"] == {"heart": 5.0, "copd": 5.0, "diabetes": 3.0}
    assert manifest["parameters"]["seed"] == 11
    for name, info in manifest["files"].items():
        if info["file"].endswith(".parquet"):
            assert pq.ParquetFile(small_run / info["file"]).metadata.num_rows == info["rows"], name


def test_same_seed_any_workers_gives_identical_bytes(small_run: Path, tmp_path: Path) -> None:
    generate(SMALL, tmp_path, workers=2)
    files = sorted(p.relative_to(small_run) for p in small_run.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for rel in files:
        assert (small_run / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_another_seed_gives_other_people(small_run: Path, tmp_path: Path) -> None:
    generate(replace(SMALL, seed=12, citizens=500), tmp_path)
    ours = set(pq.read_table(small_run / "cpr.parquet").column("cpr").to_pylist())
    theirs = set(pq.read_table(tmp_path / "cpr.parquet").column("cpr").to_pylist())
    assert len(ours & theirs) < len(theirs) // 2


def test_one_region_keeps_everyone_in_it(tmp_path: Path) -> None:
    generate(replace(SMALL, citizens=400, region="1081", enrich={}), tmp_path)
    nordjylland = {m.kommunekode for m in municipalities() if m.region_code == "1081"}
    used = {r[0] for r in sql(tmp_path, "SELECT DISTINCT kommunekode FROM cpr_residence")}
    assert used and used <= nordjylland
    units = {r[0] for r in sql(tmp_path, "SELECT DISTINCT sor_unit FROM lpr_contacts")}
    table = read_organisations(tmp_path)
    assert all(table.region_of(u) == "1081" for u in units)
