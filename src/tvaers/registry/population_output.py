"""Output of the population report: tab-separated lines, Parquet files, person lists.

Person lists (whom each side of an overlap would miss) are given only to a user of the
shared user store whose role may see person lists, and only for the municipalities in
their scope; the request is audit-logged (:mod:`.explain`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tvaers.errors import AccessDenied
from tvaers.registry import access, audit


def print_report(
    report: Any, municipality: str | None, persons: list[dict[str, Any]] | None
) -> Iterator[str]:
    """Lines of the report (attrition, overlap, and the persons when given)."""
    wanted = {"DK", municipality} if municipality else None
    yield "# attrition"
    yield "scope\tstep\tkind\trule\tmunicipality\tcount\ttitle"
    for r in report.attrition:
        if wanted is None or r["municipality"] in wanted:
            cells = [r["scope"], r["step"], r["kind"], r["rule"], r["municipality"], r["count"]]
            yield "\t".join(str(c) for c in [*cells, r["title"]])
    yield "# overlap (persons in the period)"
    yield "overlap\tmunicipality\tboth\thospital_only\tmunicipal_only"
    for r in report.overlap:
        if wanted is None or r["municipality"] in wanted:
            cells = [r["overlap"], r["municipality"], r["both"], r["hospital_only"]]
            yield "\t".join(str(c) for c in [*cells, r["municipal_only"]])
    if persons is not None:
        yield "# persons each side would miss (pseudonyms)"
        yield "overlap\tmunicipality\tcategory\tpid"
        for p in persons:
            yield "\t".join(str(p[k]) for k in ("overlap", "municipality", "category", "pid"))


def scoped_persons(
    report: Any, username: str, users_db: Path, audit_log: Path, database: str, period: str
) -> list[dict[str, Any]]:
    """The overlap persons outside ``both`` in the municipalities of the user's scope."""
    user = access.read_user(users_db, username)
    what = {"database": database, "period": period, "report": "population"}
    if user is None or user.disabled or not access.may_view(user.role, "persons"):
        reason = "unknown or disabled user" if user is None or user.disabled else "role"
        audit.record(
            audit_log, "registry.population.persons", username, "denied", reason=reason, **what
        )
        raise AccessDenied(f"{username} may not see person lists", hint="ask an operator")
    region_of = access.geographic_region_of()
    out = [
        {"overlap": k, **p}
        for k, rows in sorted(report.persons.items())
        for p in rows
        if p["category"] != "both"
        and p["municipality"] is not None
        and access.unit_in_scope(user.scope, "municipality", p["municipality"], region_of)
    ]
    audit.record(
        audit_log, "registry.population.persons", username, "allowed", persons=len(out), **what
    )
    return out


def write(report: Any, out: Path) -> list[Path]:
    """``population_attrition.parquet`` and ``population_overlap.parquet`` (counts only)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tvaers.registry.population import ATTRITION_COLUMNS, OVERLAP_COLUMNS

    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, rows, columns in (
        ("population_attrition", report.attrition, ATTRITION_COLUMNS),
        ("population_overlap", report.overlap, OVERLAP_COLUMNS),
    ):
        table = pa.table({c: [r[c] for r in rows] for c in columns})
        pq.write_table(table, out / f"{name}.parquet")
        files.append(out / f"{name}.parquet")
    return files
