"""A hand-made miniature run for the ground-truth tests: a few persons, contacts and versions.

Writes the files ``tvaers.synth.truth`` reads (CPR, residence, LPR, organisations, municipal
versions, report ledger, municipal plan) with only the columns it needs, so each test states
its scenario in a few lines and works out the expected buckets by hand.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tvaers.synth.health_system import health_system
from tvaers.synth.municipal.versions import SCHEMA as VERSIONS
from tvaers.synth.truth.run import compute_truth
from tvaers.terminology.organisations import write_organisations

KOMMUNER = ("101", "147", "851")
START, END = date(2024, 1, 1), date(2025, 12, 31)


def dept() -> str:
    """A cardiology department SOR code (its hospital is found through the organisations)."""
    return health_system().dept_sor[2]


class World:
    """Persons, admissions, municipal versions and accepted reports of a scenario."""

    def __init__(self, root: Path):
        self.root = root
        self.persons: list[dict[str, Any]] = []
        self.residence: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.diagnoses: list[dict[str, Any]] = []
        self.procedures: list[dict[str, Any]] = []
        self.versions: list[dict[str, Any]] = []
        self.ledger: list[dict[str, Any]] = []
        self.plan = {k: {"kommunekode": k, "follow_up_observations": True,
                         **{f"{ig}_reporting": "always" for ig in ("care", "rehab", "prevention")},
                         **{f"{ig}_from": None for ig in ("care", "rehab", "prevention")}}
                     for k in KOMMUNER}  # fmt: skip
        self._ids = itertools.count(1)

    def person(self, cpr: str, born: date, *, died: date | None = None,
               emigrated: date | None = None, kommune: str | None = "101") -> str:  # fmt: skip
        self.persons.append({"cpr": cpr, "birth_date": born, "sex": "M", "death_date": died,
                             "emigration_date": emigrated})  # fmt: skip
        if kommune:
            self.residence.append({"cpr": cpr, "kommunekode": kommune,
                                   "valid_from": date(2000, 1, 1), "valid_to": None})  # fmt: skip
        return cpr

    def contact(self, cpr: str, start: datetime, hours: float, *, priority: str = "acute",
                a: str | None = None, b: tuple[str, ...] = (), procedures: tuple[str, ...] = (),
                kind: str = "physical") -> str:  # fmt: skip
        cid = f"c{next(self._ids)}"
        self.contacts.append({"contact_id": cid, "cpr": cpr, "sor_unit": dept(), "start": start,
                              "end": start + timedelta(hours=hours), "contact_type": kind,
                              "priority": priority})  # fmt: skip
        if a:
            self.diagnoses.append({"contact_id": cid, "code": a, "diag_type": "A"})
        self.diagnoses += [{"contact_id": cid, "code": x, "diag_type": "B"} for x in b]
        self.procedures += [{"contact_id": cid, "code": p, "performed": start} for p in procedures]
        return cid

    def version(self, cpr: str, ig: str, kind: str, rid: str, day: date, *, minute: int = 600,
                kommune: str = "101", **fields: Any) -> None:  # fmt: skip
        """One version of a municipal resource (delivered unless ``delivered=False``)."""
        rtype = {"sr": "ServiceRequest", "forloeb": "CarePlan", "pi": "CarePlan",
                 "care_pi": "CarePlan", "enc": "Encounter", "care_enc": "Encounter",
                 "cond": "Condition", "care_cond": "Condition", "goal": "Goal",
                 "fuo": "Observation"}[kind]  # fmt: skip
        row = dict.fromkeys(VERSIONS.names)
        row.update(cpr=cpr, kommunekode=kommune, ig=ig, resource_type=rtype, resource_id=rid,
                   kind=kind, last_updated=datetime.combine(day, time()) + timedelta(minutes=minute),
                   invalid=fields.get("status") == "entered-in-error", erroneous=False,
                   delivered=True, known_from=day)  # fmt: skip
        row.update(fields)
        self.versions.append(row)

    def reports(self, kommune: str, ig: str, *months: str) -> None:
        """Accepted reports of ``ig`` from ``kommune`` covering months ``YYYY-MM``.

        Each is sent a month after the day it covers: coverage counts the covered month.
        """
        for month in months:
            covered = date.fromisoformat(f"{month}-15")
            self.ledger.append({"kommunekode": kommune, "ig": ig, "expected": "accepted",
                                "covered_day": covered,
                                "send_day": covered + timedelta(days=31)})  # fmt: skip

    def truth(self, *indicators: str) -> dict[tuple[str, str], dict[str, Any]]:
        """Write the files, compute the truth; rows by (indicator, unit_id)."""
        self._write()
        compute_truth(self.root, window=(START, END), only=indicators, memory="512MB")
        rows = pq.read_table(self.root / "truth" / "units.parquet").to_pylist()
        return {(r["indicator"], r["unit_id"]): r for r in rows}

    def _write(self) -> None:
        (self.root / "events").mkdir(parents=True, exist_ok=True)
        write_organisations(health_system().table, self.root)
        ts, d = pa.timestamp("us"), pa.date32()
        tables = {
            "cpr": (self.persons, {"cpr": pa.string(), "birth_date": d, "sex": pa.string(),
                                   "death_date": d, "emigration_date": d}),
            "cpr_residence": (self.residence, {"cpr": pa.string(), "kommunekode": pa.string(),
                                               "valid_from": d, "valid_to": d}),
            "lpr_contacts": (self.contacts, {"contact_id": pa.string(), "cpr": pa.string(),
                                             "sor_unit": pa.string(), "start": ts, "end": ts,
                                             "contact_type": pa.string(), "priority": pa.string()}),
            "lpr_diagnoses": (self.diagnoses, {"contact_id": pa.string(), "code": pa.string(),
                                               "diag_type": pa.string()}),
            "lpr_procedures": (self.procedures, {"contact_id": pa.string(), "code": pa.string(),
                                                 "performed": ts}),
            "report_ledger": (self.ledger, {"kommunekode": pa.string(), "ig": pa.string(),
                                            "expected": pa.string(), "covered_day": d,
                                            "send_day": d}),
            "events/municipal_plan": (list(self.plan.values()), {
                "kommunekode": pa.string(), "follow_up_observations": pa.bool_(),
                **{f"{ig}_reporting": pa.string() for ig in ("care", "rehab", "prevention")},
                **{f"{ig}_from": d for ig in ("care", "rehab", "prevention")}}),
        }  # fmt: skip
        for name, (rows, types) in tables.items():
            schema = pa.schema(list(types.items()))
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), self.root / f"{name}.parquet")
        pq.write_table(
            pa.Table.from_pylist(self.versions, schema=VERSIONS),
            self.root / "events" / "municipal_versions.parquet",
        )
