"""Imports: pseudonymised tables, one precise error per kind of defect, nothing half-imported."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from registry_factories import d, ts, write_table

from tvaers.cli.main import main
from tvaers.errors import ConfigError
from tvaers.registry.extracts import ExtractError
from tvaers.registry.imports import import_group
from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.store import RegistryStore

A, B = "0101501234", "0202601234"  # two CPR numbers (dk-core syntax)


def cpr_extract(directory: Path) -> Path:
    write_table(
        directory,
        "cpr",
        [(A, d("1950-01-01"), "M", None, None), (B, d("1960-02-02"), "F", d("2025-05-01"), None)],
    )
    write_table(
        directory,
        "cpr_residence",
        [(A, "101", d("1990-01-01"), None), (B, "751", d("2000-01-01"), None)],
    )
    return directory


def lpr_extract(directory: Path) -> Path:
    write_table(
        directory,
        "lpr_contacts",
        [
            (
                "c1",
                A,
                "U1",
                ts("2025-01-01 08:00"),
                ts("2025-01-03 08:00"),
                "physical",
                "acute",
                "e1",
                "x",
            ),
            (
                "c2",
                B,
                "U1",
                ts("2025-02-01 08:00"),
                ts("2025-02-01 09:00"),
                "virtual",
                "planned",
                None,
                None,
            ),
        ],
    )
    write_table(directory, "lpr_diagnoses", [("c1", "DJ441", "A"), ("c2", "DI219", "A")])
    write_table(directory, "lpr_procedures", [("c1", "KFNG02", ts("2025-01-01 10:00"))])
    return directory


def expected_pseudonym(key: PseudonymKey, cpr: str) -> str:
    return hmac.new(key.secret, b"cpr:" + cpr.encode(), hashlib.sha256).hexdigest()[:32]


def snapshot(store: RegistryStore) -> tuple[str | None, list[str]]:
    pointer = store.root / "CURRENT"
    current = pointer.read_text() if pointer.exists() else None
    gens = (
        sorted(p.name for p in store.generations_dir.iterdir())
        if store.generations_dir.exists()
        else []
    )
    return current, gens


def test_import_pseudonymises_every_table_with_one_key(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    import_group(store, key, "cpr", cpr_extract(tmp_path / "x"))
    import_group(store, key, "lpr", lpr_extract(tmp_path / "x"))
    cpr = pq.read_table(store.require("cpr", "")).to_pylist()
    contacts = pq.read_table(store.require("lpr_contacts", "")).to_pylist()
    residence = pq.read_table(store.require("cpr_residence", "")).to_pylist()
    pa_, pb = expected_pseudonym(key, A), expected_pseudonym(key, B)
    assert [r["pid"] for r in cpr] == [pa_, pb]
    assert [r["pid"] for r in contacts] == [pa_, pb]
    assert [r["pid"] for r in residence] == [pa_, pb]
    for name, path in store.tables().items():
        table = pq.read_table(path)
        assert "cpr" not in table.column_names, name
        text = path.read_bytes()
        assert A.encode() not in text and B.encode() not in text
    assert store.manifest().generation == 2
    assert set(store.tables()) == {
        "cpr",
        "cpr_residence",
        "lpr_contacts",
        "lpr_diagnoses",
        "lpr_procedures",
    }


def test_key_lives_apart_with_owner_only_permissions(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    import_group(store, key, "cpr", cpr_extract(tmp_path / "x"))
    key_path = tmp_path / "keys" / "pseudonym.key"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    manifest = (store.current_dir() / "manifest.json").read_text()  # type: ignore[operator]
    assert key.fingerprint in manifest
    assert key.secret.hex() not in manifest
    assert not any(key.secret in p.read_bytes() for p in store.root.rglob("*") if p.is_file())


def test_a_second_key_is_refused_and_changes_nothing(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    import_group(store, key, "cpr", cpr_extract(tmp_path / "x"))
    before = snapshot(store)
    other = load_or_create_key(tmp_path / "other.key")
    with pytest.raises(ConfigError, match="key differs"):
        import_group(store, other, "lpr", lpr_extract(tmp_path / "x"))
    assert snapshot(store) == before


def test_reimport_replaces_the_table_and_keeps_history(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    src = cpr_extract(tmp_path / "x")
    import_group(store, key, "cpr", src)
    write_table(src, "cpr", [(A, d("1950-01-01"), "M", d("2025-06-01"), None)])
    write_table(src, "cpr_residence", [(A, "101", d("1990-01-01"), None)])
    import_group(store, key, "cpr", src)
    assert pq.read_table(store.require("cpr", "")).num_rows == 1
    assert snapshot(store)[1] == ["g000001", "g000002"]
    first = pq.read_table(store.generations_dir / "g000001" / "cpr.parquet")
    assert first.num_rows == 2


# One case per kind of defect: (table to break, how, expected message fragment).
def _break(directory: Path, table: str, rows: list[tuple[object, ...]], **kw: object) -> None:
    write_table(directory, table, rows, **kw)  # type: ignore[arg-type]


DEFECTS = {
    "bad timestamp": (
        "lpr",
        "lpr_procedures",
        lambda p: _break(
            p,
            "lpr_procedures",
            [("c1", "KFNG02", "2025-01-01 10:00"), ("c1", "KFNG05", "yesterday")],
            schema=[("contact_id", pa.string()), ("code", pa.string()), ("performed", pa.string())],
        ),
        "lpr_procedures.parquet, row 2, column 'performed': 'yesterday' is not a valid timestamp",
    ),
    "enum": (
        "lpr",
        "lpr_diagnoses",
        lambda p: _break(p, "lpr_diagnoses", [("c1", "DJ441", "A"), ("c2", "DI21", "H")]),
        "lpr_diagnoses.parquet, row 2, column 'diag_type': 'H' is not one of A, B",
    ),
    "end before start": (
        "lpr",
        "lpr_contacts",
        lambda p: _break(
            p,
            "lpr_contacts",
            [
                (
                    "c1",
                    A,
                    "U1",
                    ts("2025-01-03 08:00"),
                    ts("2025-01-01 08:00"),
                    "physical",
                    "acute",
                    None,
                    None,
                ),
                ("c2", B, "U1", ts("2025-02-01 08:00"), None, "physical", "acute", None, None),
            ],
        ),
        "lpr_contacts.parquet, row 1, column 'end': 2025-01-01 08:00:00 is before start",
    ),
    "duplicate key": (
        "lpr",
        "lpr_contacts",
        lambda p: _break(
            p,
            "lpr_contacts",
            [
                ("c1", A, "U1", ts("2025-01-01 08:00"), None, "physical", "acute", None, None),
                ("c2", A, "U1", ts("2025-01-01 08:00"), None, "home", "acute", None, None),
                ("c2", B, "U1", ts("2025-01-01 08:00"), None, "physical", "acute", None, None),
            ],
        ),
        "lpr_contacts.parquet, row 2, column 'contact_id': duplicate key 'c2' (and 1 more rows)",
    ),
    "dangling reference": (
        "lpr",
        "lpr_diagnoses",
        lambda p: _break(p, "lpr_diagnoses", [("c1", "DJ441", "A"), ("c9", "DJ441", "A")]),
        "lpr_diagnoses.parquet, row 2, column 'contact_id': 'c9' is not in lpr_contacts.contact_id",
    ),
    "bad SKS code": (
        "lpr",
        "lpr_diagnoses",
        lambda p: _break(p, "lpr_diagnoses", [("c1", "dj44.1", "A")]),
        "column 'code': 'dj44.1' does not match the pattern",
    ),
    "bad CPR": (
        "cpr",
        "cpr",
        lambda p: _break(
            p,
            "cpr",
            [
                (A, d("1950-01-01"), "M", None, None),
                ("3213501234", d("1950-01-01"), "F", None, None),
            ],
        ),
        "cpr.parquet, row 2, column 'cpr': '3213501234': month 13 is not 01-12",
    ),
    "synthetic CPR in dk-core": (
        "cpr",
        "cpr",
        lambda p: _break(
            p,
            "cpr",
            [
                (A, d("1950-01-01"), "M", None, None),
                ("6101501234", d("1950-01-01"), "F", None, None),
            ],
        ),
        "synthetic CPR number (day + 60) is not accepted in cpr_mode dk-core",
    ),
    "required value missing": (
        "cpr",
        "cpr",
        lambda p: _break(p, "cpr", [(A, None, "M", None, None)]),
        "cpr.parquet, row 1, column 'birth_date': empty value in a required column",
    ),
    "unknown municipality": (
        "cpr",
        "cpr_residence",
        lambda p: _break(p, "cpr_residence", [(A, "999", d("1990-01-01"), None)]),
        "cpr_residence.parquet, row 1, column 'kommunekode': '999' is not a kommunekode",
    ),
    "missing column": (
        "cpr",
        "cpr",
        lambda p: _break(
            p,
            "cpr",
            [(A, d("1950-01-01"), "M", None)],
            schema=[
                ("cpr", pa.string()),
                ("birthdate", pa.date32()),
                ("sex", pa.string()),
                ("death_date", pa.date32()),
            ],
        ),
        "column 'birth_date': missing column; found 'birthdate', did you mean it?",
    ),
    "no schema_version": (
        "cpr",
        "cpr",
        lambda p: _break(p, "cpr", [(A, d("1950-01-01"), "M", None, None)], metadata={}),
        "cpr.parquet: no schema_version in the Parquet key-value metadata",
    ),
    "future schema_version": (
        "cpr",
        "cpr",
        lambda p: _break(
            p, "cpr", [(A, d("1950-01-01"), "M", None, None)], metadata={"schema_version": "2"}
        ),
        "schema_version '2' is not supported for cpr",
    ),
    "not parquet": (
        "cpr",
        "cpr",
        lambda p: (p / "cpr.parquet").write_text("cpr;birth_date\n"),
        "cpr.parquet: not a readable Parquet file",
    ),
    "file missing": (
        "lpr",
        "lpr_procedures",
        lambda p: (p / "lpr_procedures.parquet").unlink(),
        "lpr_procedures.parquet: file not found",
    ),
}


@pytest.mark.parametrize("case", sorted(DEFECTS))
def test_each_defect_gives_a_precise_error_and_an_unchanged_store(
    case: str, tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    group, _table, damage, message = DEFECTS[case]
    good = tmp_path / "good"
    import_group(store, key, "cpr", cpr_extract(good))
    before = snapshot(store)
    bad = tmp_path / "bad"
    cpr_extract(bad)
    lpr_extract(bad)
    damage(bad)
    with pytest.raises(ExtractError) as caught:
        import_group(store, key, group, bad)
    assert message in str(caught.value)
    assert str(bad) in str(caught.value)
    assert snapshot(store) == before


def test_a_failure_while_writing_discards_the_whole_import(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_group(store, key, "cpr", cpr_extract(tmp_path / "x"))
    before = snapshot(store)
    import tvaers.registry.imports as imports

    real = imports._copy
    calls = []

    def failing_copy(*args: object) -> int:
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "_copy", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        import_group(store, key, "lpr", lpr_extract(tmp_path / "x"))
    assert snapshot(store) == before
    assert "lpr_contacts" not in store.tables()


def test_cli_imports_and_reports_defects_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = cpr_extract(tmp_path / "x")
    common = ["--registry", str(tmp_path / "reg"), "--key-file", str(tmp_path / "k.key")]
    assert main(["registry", "import-cpr", str(src), *common]) == 0
    assert "cpr\t2\tdata cut-off" in capsys.readouterr().out
    write_table(src, "cpr", [(A, d("1950-01-01"), "X", None, None)])
    assert main(["registry", "import-cpr", str(src), *common]) == 2
    assert "column 'sex': 'X' is not one of M, F" in capsys.readouterr().err


def test_production_refuses_a_key_inside_the_data_directory(tmp_path: Path) -> None:
    code = main(
        [
            "registry",
            "import-cpr",
            str(cpr_extract(tmp_path / "x")),
            "--registry",
            str(tmp_path / "r"),
        ],
    )
    assert code == 0  # development default: key under registry/keys
    import os

    os.environ["TVAERS_REGISTRY_ENVIRONMENT"] = "production"
    try:
        code = main(
            ["registry", "import-cpr", str(tmp_path / "x"), "--registry", str(tmp_path / "r")],
        )
    finally:
        del os.environ["TVAERS_REGISTRY_ENVIRONMENT"]
    assert code == 3


def test_organisations_import_without_persons(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    src = tmp_path / "orgs"
    write_table(
        src,
        "organisations",
        [
            ("H1", "Hospital Nord", "hospital", None, None, "1081", d("2007-01-01"), None),
            ("U1", "Kardiologisk afd.", "department", "H1", None, None, d("2007-01-01"), None),
        ],
    )
    done = import_group(store, key, "organisations", src / "organisations.parquet")
    assert [(i.table, i.rows) for i in done] == [("organisations", 2)]
    rows = pq.read_table(store.require("organisations", "")).to_pylist()
    assert rows[1]["parent_sor"] == "H1"
