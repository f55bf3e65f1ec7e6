"""Frozen snapshots (foreløbig/endelig) cannot be changed by later runs; daily region files
carry Datakilde_opdateret = the oldest source's date. Heart fixture (heart_fixture.py)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path

import pytest
from heart_fixture import CUTOFF, MUNICIPAL, Q, careplan, write_extracts

from tvaers.errors import InputError
from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import load_or_create_key
from tvaers.registry.releases import daily, freeze, verify
from tvaers.registry.runs import run_database
from tvaers.registry.store import RegistryStore


def _store(base: Path) -> tuple[RegistryStore, Path]:
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = write_extracts(base / "extract")
    for group in ("cpr", "lpr", "organisations"):
        import_group(store, key, group, src, data_cutoff=CUTOFF)
    tables = {t: src / f"{t}.parquet" for t in MUNICIPAL}
    import_named(store, key, tables, data_cutoff=CUTOFF)
    return store, src


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _h1_national(rows: list[dict[str, object]]) -> object:
    (r,) = [r for r in rows if (r["indicator"], r["unit_type"]) == ("H1", "national")]
    return r["numerator"]


def test_snapshots_are_frozen(tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from flat_factory import write_flat
    from heart_fixture import CAREPLANS

    store, src = _store(tmp_path)
    prelim = freeze(store, "heart", "2025", "foreløbig")
    assert verify(prelim) == []
    before = _digest(prelim / "results.parquet")
    assert _h1_national(pq.read_table(prelim / "results.parquet").to_pylist()) == 6
    with pytest.raises(InputError, match="foreløbig snapshot of heart 2025 exists already"):
        freeze(store, "heart", "2025", "foreløbig")
    # new data arrive: Q03's forløb (day 95) is corrected to day 50 -> H1 numerator 7
    key = load_or_create_key(tmp_path / "key")
    late = [r for r in CAREPLANS if r["careplan_id"] != "cp03"]
    late.append(careplan(3, "cp03", 50))
    write_flat(src / "late", "careplans_119", late)
    tables = {t: src / f"{t}.parquet" for t in MUNICIPAL if t != "careplans_119"}
    import_named(store, key, {**tables, "careplans_119": src / "late" / "careplans_119.parquet"})
    live = run_database("heart", store, "2025")
    assert _h1_national(live.rows) == 7
    assert _digest(prelim / "results.parquet") == before and verify(prelim) == []
    with pytest.raises(InputError, match="inside a frozen snapshot"):
        run_database("heart", store, "2025", out=prelim)
    final = freeze(store, "heart", "2025", "endelig")
    assert _h1_national(pq.read_table(final / "results.parquet").to_pylist()) == 7
    assert _digest(prelim / "results.parquet") == before


def test_final_needs_preliminary_and_tampering_is_found(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    with pytest.raises(InputError, match="no foreløbig snapshot"):
        freeze(store, "heart", "2024", "endelig")
    folder = freeze(store, "heart", "2024", "foreløbig")
    target = folder / "results.csv"
    target.chmod(0o644)
    target.write_text("changed", encoding="utf-8")
    assert verify(folder) == ["results.csv"]


def test_daily_region_files(tmp_path: Path) -> None:
    store, src = _store(tmp_path)
    key = load_or_create_key(tmp_path / "key")
    # coverage drawn two weeks earlier than the other sources: the oldest source
    import_named(store, key, {"coverage": src / "coverage.parquet"}, data_cutoff=date(2026, 2, 15))
    files = daily(store, "heart", date(2025, 3, 15), out=tmp_path / "daily")
    names = sorted(p.name for p in files)
    assert names[0] == "heart_region_1081_2025-03-15.csv" and len(names) == 10
    text = (tmp_path / "daily" / "heart_region_1084_2025-03-15.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert {r["Datakilde_opdateret"] for r in rows} == {"2026-02-15"}
    assert {r["Periode"] for r in rows} == {"2025-01", "2025-02", "2025-03", "2025"}
    assert {r["Enhedstype"] for r in rows} >= {"national", "region", "municipality", "hospital"}
    assert "461" not in {r["Enhed"] for r in rows}  # Odense is in region 1083
    (jan,) = [
        r
        for r in rows
        if (r["Indikator"], r["Periode"], r["Enhedstype"], r["Enhed"])
        == ("H1", "2025-01", "municipality", "101")
    ]
    # Q10 discharged 2025-01-12: its 90-day window is still open on 2025-03-15
    assert (jan["Tæller"], jan["Nævner"], jan["Uoplyst"]) == ("0", "0", "1")
    assert Q  # the fixture's persons
