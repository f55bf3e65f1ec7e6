"""Municipal options: determinism for any worker count, overrides, precise errors."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tvaers.errors import InputError
from tvaers.synth.config import SynthConfig
from tvaers.synth.generate import generate
from tvaers.synth.municipal.options import MunicipalOptions, parse_not_reporting

TINY = SynthConfig(
    citizens=1500,
    start=date(2024, 1, 1),
    end=date(2024, 12, 31),
    seed=5,
    enrich={"heart": 5.0, "copd": 5.0},
    block_size=500,
)


def digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes_for_any_worker_count(tmp_path: Path) -> None:
    one = digests_of(tmp_path / "one", 1)
    two = digests_of(tmp_path / "two", 2)
    assert any(name.startswith("reports/") for name in one)
    assert "report_ledger.parquet" in one and "events/municipal_versions.parquet" in one
    assert one == two


def digests_of(out: Path, workers: int) -> dict[str, str]:
    generate(TINY, out, workers=workers)
    return digests(out)


def test_another_seed_gives_other_reports(tmp_path: Path) -> None:
    from dataclasses import replace

    generate(TINY, tmp_path / "a")
    generate(replace(TINY, seed=6), tmp_path / "b")
    a = pq.read_table(tmp_path / "a" / "report_ledger.parquet").column("report_id").to_pylist()
    b = pq.read_table(tmp_path / "b" / "report_ledger.parquet").column("report_id").to_pylist()
    assert a and b and not set(a) & set(b)


def test_overrides_silence_municipalities_and_set_rates(tmp_path: Path) -> None:
    everyone = tuple(sorted({m for m in _kommunekoder()}))
    options = MunicipalOptions(
        not_reporting={"rehab": everyone, "prevention": ()},
        invalid_share=0.0,
        late_report_share=0.0,
        outages_per_year=0.0,
    )
    manifest = generate(TINY, tmp_path, municipal=options)
    rows = pq.read_table(tmp_path / "report_ledger.parquet").to_pylist()
    assert rows and {r["ig"] for r in rows} <= {"care", "prevention"}
    assert not any(r["expected"] == "rejected" or r["late"] or r["outage"] for r in rows)
    plan = pq.read_table(tmp_path / "events" / "municipal_plan.parquet").to_pylist()
    assert {p["rehab_reporting"] for p in plan} == {"never"}
    assert "never" not in {p["prevention_reporting"] for p in plan}
    assert manifest["municipal"]["options"]["not_reporting"]["prevention"] == []  # type: ignore[index]


def test_no_municipal_writes_no_reports(tmp_path: Path) -> None:
    generate(TINY, tmp_path, municipal=MunicipalOptions(enabled=False))
    assert not (tmp_path / "reports").exists()
    assert not (tmp_path / "report_ledger.parquet").exists()


def _kommunekoder() -> list[str]:
    from tvaers.terminology.geography import municipalities

    return [m.kommunekode for m in municipalities()]


def test_parse_not_reporting() -> None:
    assert parse_not_reporting("prevention=147,101; care=851") == {
        "prevention": ("101", "147"),
        "care": ("851",),
    }
    assert parse_not_reporting("prevention=") == {"prevention": ()}
    assert parse_not_reporting(None) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prevenion=101", "did you mean prevention?"),
        ("prevention=1010", "is not a kommunekode"),
        ("prevention", "is not IG=KOMMUNEKODE"),
        ("care=101;care=147", "given twice"),
    ],
)
def test_parse_not_reporting_errors(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_not_reporting(text)
    assert message in str(caught.value)


def test_rates_are_checked() -> None:
    with pytest.raises(InputError, match=r"--invalid-share must be 0\.\.0\.5"):
        MunicipalOptions(invalid_share=0.9)
