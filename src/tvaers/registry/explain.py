"""``tvaers registry explain``: the persons behind one number, for an authorised user.

Reads the unit-level buckets a run wrote (``results/<database>/<period>/units.parquet``) and
returns the units of one indicator in one reporting unit, with bucket, deciding rule and
every rule met. Only a user of the shared user store (:mod:`tvaers.registry.access`) whose
role may see person lists and whose scope covers the unit gets them; every request,
allowed or denied, is written to the audit log before anything is returned. Persons are
shown by pseudonym: the registry never stores CPR numbers (an authorised user re-identifies
a citizen by computing the pseudonym of a CPR number they already hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tvaers.errors import AccessDenied, InputError
from tvaers.registry import access, audit
from tvaers.registry.store import RegistryStore

UNIT_TYPES = ("national", "region", "municipality", "delivering_municipality", "hospital")
COLUMNS = ("unit_id", "pid", "index_date", "stratum", "bucket", "reason", "rules")


@dataclass(frozen=True)
class Explained:
    """The units behind one results row."""

    database: str
    indicator: str
    period: str
    unit_type: str
    unit_id: str
    rows: list[dict[str, Any]]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row["bucket"]] = out.get(row["bucket"], 0) + 1
        return out


def parse_unit(text: str) -> tuple[str, str]:
    """``national``, ``region:1084``, ``municipality:101``, ``delivering_municipality:101``
    or ``hospital:<SOR>``."""
    kind, _, code = text.partition(":")
    if kind == "national" and not code:
        return "national", "DK"
    if kind in UNIT_TYPES[1:] and code:
        return kind, code
    raise InputError(
        f"invalid unit {text!r}",
        hint="write national, region:<code>, municipality:<kommunekode>, "
        "delivering_municipality:<kommunekode> or hospital:<SOR code>",
    )


def authorise(
    users_db: Path, audit_log: Path, username: str, unit: tuple[str, str], what: dict[str, Any]
) -> access.AccessUser:
    """The user, if they may see the persons of ``unit``; the decision is audit-logged."""
    user = access.read_user(users_db, username)
    reason = None
    if user is None:
        reason = "unknown user"
    elif user.disabled:
        reason = "user is disabled"
    elif not access.may_view(user.role, "persons"):
        reason = f"role {user.role} may not see person lists"
    elif not access.unit_in_scope(
        user.scope, *unit, access.geographic_region_of(what.get("hospitals"))
    ):
        reason = f"{unit[0]} {unit[1]} is outside the scope {', '.join(map(str, user.scope))}"
    details = {k: v for k, v in what.items() if k != "hospitals"}
    if reason is not None:
        audit.record(audit_log, "registry.persons", username, "denied", reason=reason, **details)
        raise AccessDenied(
            f"{username}: {reason}", hint="ask an operator for the right role and scope"
        )
    assert user is not None
    return user


def hospital_regions(store: RegistryStore) -> dict[str, str]:
    """SOR code of each hospital -> its region (from the organisation table)."""
    import pyarrow.parquet as pq

    path = store.table_path("organisations")
    if path is None:
        return {}
    rows = pq.read_table(path, columns=["sor_code", "kind", "region_code"]).to_pylist()
    return {
        r["sor_code"]: r["region_code"]
        for r in rows
        if r["kind"] == "hospital" and r["region_code"]
    }


def units_file(store: RegistryStore, database: str, period: str) -> Path:
    path = store.root / "results" / database / period / "units.parquet"
    if not path.exists():
        raise InputError(
            f"no results for {database} {period} in {store.root}",
            hint=f"run `tvaers registry run --database {database} --period {period}` first",
        )
    return path


def explain(
    store: RegistryStore,
    database: str,
    indicator: str,
    unit: str,
    period: str,
    *,
    user: str,
    users_db: Path,
    audit_log: Path,
    stratum: str | None = None,
) -> Explained:
    """The units of ``indicator`` behind ``unit`` in ``period`` (authorised and audited)."""
    import pyarrow.parquet as pq

    unit_type, unit_id = parse_unit(unit)
    path = units_file(store, database, period)
    what = {
        "database": database,
        "indicator": indicator,
        "period": period,
        "unit": f"{unit_type}:{unit_id}",
        "hospitals": hospital_regions(store) if unit_type == "hospital" else None,
    }
    authorise(users_db, audit_log, user, (unit_type, unit_id), what)
    table = pq.read_table(path)
    rows = [r for r in table.to_pylist() if r["indicator"] == indicator]
    if not rows and indicator not in set(table.column("indicator").to_pylist()):
        raise InputError(f"no indicator {indicator!r} in the results of {database} {period}")
    if unit_type != "national":
        rows = [r for r in rows if r.get(unit_type) == unit_id]
    if stratum is not None:
        rows = [r for r in rows if r.get("stratum") == stratum]
    rows.sort(
        key=lambda r: (str(r.get("stratum")), r["bucket"], str(r["index_date"]), r["unit_id"])
    )
    picked = [{c: r.get(c) for c in COLUMNS} for r in rows]
    details = {k: v for k, v in what.items() if k != "hospitals"}
    audit.record(audit_log, "registry.persons", user, "allowed", persons=len(picked), **details)
    return Explained(database, indicator, period, unit_type, unit_id, picked)
