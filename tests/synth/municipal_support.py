"""Reading generated delivery reports back, and an independent fold of the final state.

``final_state`` is written here from the contract's words (docs/contracts.md, Identity), not
with ``tvaers.fhir.state``: per citizen and (resourceType, id), the version with the greatest
``meta.lastUpdated`` (ties: the later report in submission order) among accepted reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import zstandard

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"


def report_lines(out: Path) -> Iterator[tuple[str, int, bytes]]:
    """(file relative to ``out``, 1-based line, report bytes) in submission order."""
    files = sorted((out / "reports").glob("*/*.ndjson.zst"), key=lambda p: (p.parent.name, p.name))
    for path in files:
        text = zstandard.ZstdDecompressor().decompress(path.read_bytes())
        assert text.endswith(b"\n")
        for i, line in enumerate(text[:-1].split(b"\n"), 1):
            yield str(path.relative_to(out)), i, line


def ledger(out: Path) -> dict[tuple[str, int], dict[str, Any]]:
    return {
        (r["file"], r["line"]): r for r in pq.read_table(out / "report_ledger.parquet").to_pylist()
    }


def citizen_of(bundle: dict[str, Any]) -> str:
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert len(patients) == 1
    return str(patients[0]["identifier"][0]["value"])


def invalidates(resource: dict[str, Any]) -> bool:
    if resource.get("resourceType") == "Patient" and resource.get("active") is False:
        return True
    if "entered-in-error" in (resource.get("status"), resource.get("lifecycleStatus")):
        return True
    codes = [c.get("code") for c in (resource.get("verificationStatus") or {}).get("coding", [])]
    return "entered-in-error" in codes


def final_state(out: Path) -> dict[str, dict[tuple[str, str], tuple[bool, dict[str, Any]]]]:
    """Per CPR: (type, id) -> (invalidated, resource) after every accepted report."""
    expected = ledger(out)
    best: dict[str, dict[tuple[str, str], tuple[tuple[datetime, int], dict[str, Any]]]] = {}
    for seq, (file, line, data) in enumerate(report_lines(out)):
        if expected[(file, line)]["expected"] != "accepted":
            continue
        bundle = orjson.loads(data)
        cpr = citizen_of(bundle)
        mine = best.setdefault(cpr, {})
        for entry in bundle["entry"]:
            resource = entry["resource"]
            order = (datetime.fromisoformat(resource["meta"]["lastUpdated"]), seq)
            key = (resource["resourceType"], resource["id"])
            if key not in mine or order >= mine[key][0]:
                mine[key] = (order, resource)
    return {
        cpr: {key: (invalidates(res), res) for key, (_, res) in resources.items()}
        for cpr, resources in best.items()
    }
