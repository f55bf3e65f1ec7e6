"""Test factories: delivery reports built from KL's own care example, organisations, clients.

``make_delivery_report`` starts from the care IG's valid ``Bundle-TestPersonReport`` and
changes only what a test names (id, citizen, SOR, timestamps, statuses), so reports stay
valid as the validator grows.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import uuid
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from tvaers.terminology.organisations import Organisation, OrganisationTable

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference"


def _root_conftest() -> Any:
    """tests/conftest.py (shadowed as ``conftest`` by tests/gateway/conftest.py)."""
    name = "tvaers_tests_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "conftest.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def require(condition: bool, reason: str) -> None:
    """``require`` of tests/conftest.py: skip, or fail under CI=true."""
    _root_conftest().require(condition, reason)


SOR_KBH = "123456789012345"  # the care examples' custodian; mapped to København (101)
SOR_HOLBAEK = "451000016003"  # the rehab/prevention examples' custodian: Holbæk (316)
SOR_SLAGELSE = "10000000330"  # fictitious, Slagelse (330)
SOR_UNKNOWN = "99999999999"
CPR_A = "0101570001"
CPR_B = "0101410001"
SYNTHETIC_CPR = "6101570001"  # day + 60
EXAMPLES = REFERENCE / "kl"


def organisations() -> OrganisationTable:
    since = date(2000, 1, 1)
    return OrganisationTable(
        [
            Organisation("10000000101", "København Kommune", "municipality", None, "101", "1084", since, None),
            Organisation(SOR_KBH, "Hjemmeplejen (test)", "municipal_unit", "10000000101", None, None, since, None),
            Organisation(SOR_HOLBAEK, "Holbæk Kommune", "municipality", None, "316", "1085", since, None),
            Organisation(SOR_SLAGELSE, "Slagelse Kommune", "municipality", None, "330", "1085", since, None),
        ]
    )  # fmt: skip


@cache
def _template() -> dict[str, Any]:
    path = EXAMPLES / "care" / "examples" / "Bundle-TestPersonReport.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def make_delivery_report(
    *,
    report_id: str | None = None,
    cpr: str = CPR_A,
    sor: str = SOR_KBH,
    timestamp: str = "2024-01-01T00:00:00Z",
    last_updated: str | None = None,
    observation_status: str | None = None,
    patient_active: bool | None = None,
) -> dict[str, Any]:
    """A valid care delivery report about ``cpr``, changed only where asked."""
    bundle = copy.deepcopy(_template())
    bundle["id"] = report_id or str(uuid.uuid4())
    bundle["timestamp"] = timestamp
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if last_updated:
            resource.setdefault("meta", {})["lastUpdated"] = last_updated
        if resource["resourceType"] == "Patient":
            resource["identifier"][0]["value"] = cpr
            resource["managingOrganization"]["identifier"]["value"] = sor
            if patient_active is not None:
                resource["active"] = patient_active
        if observation_status and resource["id"] == "OpleverIkkeBegraensningerMedVaskeSig":
            resource["status"] = observation_status
    return bundle


def to_bytes(bundle: dict[str, Any]) -> bytes:
    """Indented JSON, as vendors send it (so raw bytes differ from the canonical form)."""
    return orjson.dumps(bundle, option=orjson.OPT_INDENT_2)


def example_bundles(*igs: str) -> list[Path]:
    """The delivery-report examples of the given IGs (incremental deliveries included)."""
    paths: list[Path] = []
    for ig in igs or ("care", "rehab", "prevention"):
        paths.extend(sorted((EXAMPLES / ig / "examples").glob("Bundle-*.json")))
    return paths


def bundle_id(path: Path) -> str:
    value: str = json.loads(path.read_bytes())["id"]
    return value


def make_agreement(
    recipient_id: str,
    *,
    igs: tuple[str, ...] = ("care",),
    population: str = "all",
    identity: str = "cpr",
    delivery: str = "pull",
    url: str | None = None,
    codes: tuple[str, ...] = (),
    profiles: tuple[str, ...] = (),
    period: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """An agreement document (as the TOML file holds it)."""
    scope: dict[str, Any] = {"igs": list(igs), "population": population}
    if codes:
        scope["codes"] = list(codes)
    if profiles:
        scope["profiles"] = list(profiles)
    if period[0]:
        scope["period_start"] = period[0]
    if period[1]:
        scope["period_end"] = period[1]
    deliver: dict[str, Any] = {"mode": delivery}
    if url:
        deliver["url"] = url
    return {
        "schema_version": 1, "recipient_id": recipient_id, "name": f"Recipient {recipient_id}",
        "legal_basis": "Sundhedsloven §196", "identity": identity, "retention": "P10Y",
        "scope": scope, "delivery": deliver,
    }  # fmt: skip
