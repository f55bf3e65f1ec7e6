"""Municipal delivery reports: valid (except the recorded invalid ones), daily, complete, ordered.

The validator is the independent check of every report: a report the ledger expects to be
accepted has no error, and a deliberately broken one fails with exactly its recorded rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from tvaers.validation import ValidationOptions, validate_bytes

from .municipal_support import citizen_of, ledger, report_lines

OPTIONS = ValidationOptions(cpr_mode="synthetic")


@pytest.fixture(scope="module")
def lines(small_run: Path) -> list[tuple[str, int, bytes]]:
    return list(report_lines(small_run))


def test_every_report_validates_except_the_deliberate_ones(
    small_run: Path, lines: list[tuple[str, int, bytes]]
) -> None:
    expected = ledger(small_run)
    outcomes: Counter[str] = Counter()
    for file, line, data in lines:
        row = expected[(file, line)]
        errors = sorted({i.rule for i in validate_bytes(data, OPTIONS).errors})
        wanted = [row["rule_key"]] if row["expected"] == "rejected" else []
        assert errors == wanted, f"{file}:{line} ({row['invalid_kind']})"
        outcomes[row["expected"]] += 1
    assert outcomes["accepted"] > 1000
    assert outcomes["rejected"] >= 5  # invalid_share 0.01 of ~2,800 reports


def test_ledger_lists_every_line_once_in_submission_order(
    small_run: Path, lines: list[tuple[str, int, bytes]]
) -> None:
    rows = pq.read_table(small_run / "report_ledger.parquet").to_pylist()
    assert [(r["file"], r["line"]) for r in rows] == [(f, n) for f, n, _ in lines]
    assert len({r["report_id"] for r in rows}) == len(rows)
    for (file, _, data), row in zip(lines, rows, strict=True):
        bundle = orjson.loads(data)
        day, kommune = file.split("/")[1], file.split("/")[2].split(".")[0]
        assert (bundle["id"], citizen_of(bundle)) == (row["report_id"], row["cpr"])
        assert (row["send_day"].isoformat(), row["kommunekode"]) == (day, kommune)
        assert bundle["timestamp"][:10] == row["covered_day"].isoformat()
        assert row["covered_day"] <= row["send_day"] <= date(2025, 12, 31)


def test_a_report_covers_one_day_of_one_citizen_and_is_self_contained(
    lines: list[tuple[str, int, bytes]],
) -> None:
    for _, _, data in lines[::7]:
        bundle = orjson.loads(data)
        citizen_of(bundle)
        keys = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
        refs = {m.decode() for m in _references(data)}
        assert refs <= keys  # every reference resolves inside the report
        covered = bundle["timestamp"][:10]
        stamps = [e["resource"]["meta"]["lastUpdated"][:10] for e in bundle["entry"]]
        assert max(stamps) == covered  # something changed that day, nothing later
        for e in bundle["entry"]:
            assert e["fullUrl"].endswith(f"/{e['resource']['resourceType']}/{e['resource']['id']}")


def _references(data: bytes) -> list[bytes]:
    import re

    return re.findall(rb'"reference":"([A-Za-z]+/[0-9a-f-]{36})"', data)


def test_updates_reuse_resource_ids_with_newer_last_updated(
    lines: list[tuple[str, int, bytes]],
) -> None:
    versions: defaultdict[str, set[str]] = defaultdict(set)
    for _, _, data in lines:
        for e in orjson.loads(data)["entry"]:
            r = e["resource"]
            versions[f"{r['resourceType']}/{r['id']}"].add(r["meta"]["lastUpdated"])
    updated = [k for k, stamps in versions.items() if len(stamps) > 1]
    assert len(updated) > 200
    assert any(k.startswith("ServiceRequest/") for k in updated)
    assert any(k.startswith("Condition/") for k in updated)  # functional levels over time


def test_entered_in_error_corrections_follow_the_erroneous_version(
    small_run: Path, lines: list[tuple[str, int, bytes]]
) -> None:
    seen: dict[str, str] = {}
    corrected = 0
    for _, _, data in lines:
        for e in orjson.loads(data)["entry"]:
            r = e["resource"]
            key = f"{r['resourceType']}/{r['id']}"
            if r.get("status") == "entered-in-error":
                corrected += seen.get(key) == "finished"
            seen.setdefault(key, r.get("status", ""))
    assert corrected >= 3


def test_late_outage_and_resent_reports_are_recorded(small_run: Path) -> None:
    rows = pq.read_table(small_run / "report_ledger.parquet").to_pylist()
    by_id = {r["report_id"]: r for r in rows}
    assert any(r["late"] and r["send_day"] > r["covered_day"] for r in rows)
    assert any(r["outage"] and r["send_day"] > r["covered_day"] for r in rows)
    resent = [r for r in rows if r["resend_of"]]
    assert resent
    for r in resent:
        original = by_id[r["resend_of"]]
        assert original["expected"] == "rejected" and r["expected"] == "accepted"
        assert (original["cpr"], original["covered_day"]) == (r["cpr"], r["covered_day"])
        assert r["send_day"] > original["send_day"]


def test_never_reporting_municipalities_send_nothing_for_that_ig(small_run: Path) -> None:
    plan = pq.read_table(small_run / "events" / "municipal_plan.parquet").to_pylist()
    rows = pq.read_table(small_run / "report_ledger.parquet").to_pylist()
    sent = {(r["kommunekode"], r["ig"]) for r in rows}
    never = {(p["kommunekode"], ig) for p in plan for ig in ("care", "rehab", "prevention")
             if p[f"{ig}_reporting"] == "never"}  # fmt: skip
    assert len({k for k, ig in never if ig == "prevention"}) >= 30  # about 42 of 98
    assert not (sent & never)
    starts = {(p["kommunekode"], ig): p[f"{ig}_from"] for p in plan
              for ig in ("care", "rehab", "prevention") if p[f"{ig}_reporting"] == "from"}  # fmt: skip
    for r in rows:
        first = starts.get((r["kommunekode"], r["ig"]))
        assert first is None or r["covered_day"] >= first
