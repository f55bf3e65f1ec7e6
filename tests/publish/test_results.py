"""The thin results reader: contract columns, Parquet and CSV, standards, suppression."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from publish_factories import build_rows, write_results

from tvaers.errors import InputError
from tvaers.publish.results import (
    RESULT_COLUMNS,
    SUPPRESSED_FIELDS,
    Standard,
    parse_standard,
    public,
    read_results,
)


def test_parquet_round_trip(tmp_path: Path) -> None:
    rows = build_rows(("101", "825"))
    write_results(rows, tmp_path / "results.parquet")
    read = read_results(tmp_path)
    assert len(read) == len(rows)
    first, raw = read[0], rows[0]
    assert (first.database, first.indicator, first.period, first.unit_type) == (
        raw["database"],
        raw["indicator"],
        raw["period"],
        raw["unit_type"],
    )
    assert first.numerator == raw["numerator"]
    assert first.proportion == raw["proportion"]
    assert first.standard == Standard("<=", 0.15)
    assert first.data_cutoff == raw["data_cutoff"]


def test_frozen_snapshots_below_a_registry_folder_are_not_read_twice(tmp_path: Path) -> None:
    rows = build_rows(("101", "825"))
    live = tmp_path / "copd" / "2024"
    for folder in (live, live / "snapshots" / "foreløbig", live / "snapshots" / "endelig"):
        folder.mkdir(parents=True)
        write_results(rows, folder / "results.parquet")
    assert len(read_results(tmp_path)) == len(rows)
    # a snapshot's own folder publishes that snapshot
    assert len(read_results(live / "snapshots" / "endelig")) == len(rows)


def test_csv_keeps_unit_ids_as_text(tmp_path: Path) -> None:
    rows = build_rows(("101",))
    with (tmp_path / "results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(RESULT_COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row[k] is None else row[k] for k in RESULT_COLUMNS})
    read = read_results(tmp_path)
    assert {r.unit_id for r in read if r.unit_type == "region"} == {"1084"}
    assert [r.numerator for r in read] == [r["numerator"] for r in rows]


def test_missing_columns_are_named(tmp_path: Path) -> None:
    rows = [
        {k: v for k, v in r.items() if k not in ("coverage", "suppressed")}
        for r in build_rows(("101",))
    ]
    write_results(rows, tmp_path / "results.parquet")
    with pytest.raises(InputError, match="coverage, suppressed"):
        read_results(tmp_path)


def test_no_results_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no results table"):
        read_results(tmp_path)


def test_unknown_unit_type(tmp_path: Path) -> None:
    rows = build_rows(("101",))
    rows[0]["unit_type"] = "kommune"
    write_results(rows, tmp_path / "results.parquet")
    with pytest.raises(InputError, match="unknown unit_type 'kommune'"):
        read_results(tmp_path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.9, Standard(">=", 0.9)),
        (">= 90 %", Standard(">=", 0.9)),
        ("<=0.15", Standard("<=", 0.15)),
        ("≤ 15 %", Standard("<=", 0.15)),
        ("15", Standard(">=", 0.15)),
        (None, None),
        ("", None),
    ],
)
def test_parse_standard(raw: object, expected: Standard | None) -> None:
    assert parse_standard(raw) == expected


def test_parse_standard_takes_direction_hint() -> None:
    assert parse_standard(0.15, "<=") == Standard("<=", 0.15)
    with pytest.raises(InputError):
        parse_standard("about ninety")


def test_public_blanks_every_small_number_of_suppressed_rows(tmp_path: Path) -> None:
    write_results(build_rows(("101", "825")), tmp_path / "results.parquet")
    rows = read_results(tmp_path)
    hidden = [r for r in rows if r.suppressed]
    assert hidden, "the fixture must hold a suppressed row (Læsø)"
    assert all(r.numerator is not None for r in hidden)
    for row in public(hidden):
        assert all(getattr(row, name) is None for name in SUPPRESSED_FIELDS)
    shown = [r for r in rows if not r.suppressed]
    assert public(shown) == shown


def test_a_year_published_with_its_months_does_not_give_away_a_hidden_month(
    tmp_path: Path,
) -> None:
    from tvaers.stats import CountCell, Relation, exposed

    template = next(r for r in build_rows(("101",)) if r["unit_type"] == "national")
    denominators = [3, *([20] * 11)]  # one small month, suppressed by its own run
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    rows = [
        {**template, "period": p, "numerator": d // 2, "denominator": d, "suppressed": d < 5}
        for p, d in zip(months, denominators, strict=True)
    ]
    rows.append(
        {**template, "period": "2024", "numerator": sum(d // 2 for d in denominators),
         "denominator": sum(denominators), "suppressed": False}
    )  # fmt: skip
    write_results(rows, tmp_path / "results.parquet")
    published = public(read_results(tmp_path))
    # the attacker: the year is the sum of the months, on the true counts
    cells = [CountCell(r["period"], (r["numerator"], r["denominator"])) for r in rows]
    hidden = {r.period for r in published if r.suppressed}
    assert "2024-01" in hidden and len(hidden) >= 2
    assert exposed(cells, [Relation("2024", tuple(months))], hidden) == {}
    # each run's own periods alone would have left the small month exposed
    assert exposed(cells, [Relation("2024", tuple(months))], {"2024-01"}) == {"2024-01": [0, 1]}
