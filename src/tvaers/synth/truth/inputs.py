"""DuckDB views over a generated run: CPR, residence, LPR admissions, municipal versions.

Two views of the municipal data are built from ``events/municipal_versions``:

- ``actual``: every version that really happened (not ``erroneous``), whether or not it
  was reported;
- ``observable``: the versions an accepted report delivered by the cut-off.

Per view: ``hist_<view>`` (every version with ``valid_to`` = the next version's
``last_updated``) and ``cur_<view>`` (current versions that are not entered-in-error).
``coverage`` holds accepted reports per municipality x IG x month covered (from the ledger:
the month of the report's ``Bundle.timestamp``, as the registry counts it).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

VIEWS = ("actual", "observable")

ADMISSIONS = """
CREATE OR REPLACE TEMP VIEW chained AS
WITH ordered AS (
    SELECT contact_id, cpr, sor_unit, "start", "end", priority,
           max("end") OVER (PARTITION BY cpr ORDER BY "start", contact_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM lpr_contacts WHERE contact_type = 'physical'
), flagged AS (
    SELECT *, CASE WHEN prev_end IS NULL OR "start" > prev_end + INTERVAL {gap} HOUR
                   THEN 1 ELSE 0 END AS new_chain
    FROM ordered
)
SELECT *, sum(new_chain) OVER (PARTITION BY cpr ORDER BY "start", contact_id
                              ROWS UNBOUNDED PRECEDING) AS chain
FROM flagged;

CREATE OR REPLACE TEMP TABLE admissions AS
SELECT first(contact_id ORDER BY "start", contact_id) AS admission_id, cpr,
       min("start") AS admitted, max("end") AS discharged,
       first(priority ORDER BY "start", contact_id) AS priority,
       first(sor_unit ORDER BY "end" DESC, contact_id DESC) AS discharge_sor
FROM chained GROUP BY cpr, chain
HAVING max("end") >= min("start") + INTERVAL {min_hours} HOUR;

CREATE OR REPLACE TEMP TABLE admission_contacts AS
SELECT a.admission_id, c.contact_id, c.cpr, c."start", a.admitted
FROM chained c JOIN (
    SELECT cpr, chain, first(contact_id ORDER BY "start", contact_id) AS admission_id,
           min("start") AS admitted
    FROM chained GROUP BY cpr, chain
) a USING (cpr, chain)
WHERE a.admission_id IN (SELECT admission_id FROM admissions);
"""

HOSPITALS = """
CREATE OR REPLACE TEMP TABLE hospital_of AS
WITH RECURSIVE up(sor_code, node, kind, depth) AS (
    SELECT sor_code, sor_code, kind, 0 FROM organisations
    UNION ALL
    SELECT up.sor_code, o.parent_sor, p.kind, up.depth + 1
    FROM up JOIN organisations o ON o.sor_code = up.node
    JOIN organisations p ON p.sor_code = o.parent_sor
    WHERE up.kind <> 'hospital' AND up.depth < 10
)
SELECT sor_code, coalesce(first(node ORDER BY depth) FILTER (WHERE kind = 'hospital'),
                          sor_code) AS hospital
FROM up GROUP BY sor_code;

CREATE OR REPLACE TEMP TABLE region_of AS
SELECT DISTINCT kommunekode, region_code FROM organisations
WHERE kind = 'municipality';
"""

VERSIONS = """
CREATE OR REPLACE TEMP TABLE hist_{view} AS
SELECT *, lead(last_updated) OVER (PARTITION BY cpr, resource_type, resource_id
                                   ORDER BY last_updated) AS valid_to
FROM versions WHERE {filter};
CREATE OR REPLACE TEMP TABLE cur_{view} AS
SELECT * FROM hist_{view} WHERE valid_to IS NULL AND NOT invalid;
"""

COVERAGE = """
CREATE OR REPLACE TEMP TABLE coverage AS
SELECT kommunekode, ig, date_trunc('month', covered_day)::DATE AS month, count(*) AS accepted
FROM ledger WHERE expected = 'accepted' GROUP BY ALL;
"""


def connect(
    out: Path, *, gap_hours: int = 4, min_hours: int = 12, memory: str = "4GB"
) -> duckdb.DuckDBPyConnection:
    """A connection with every input view of the run in ``out``."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory}'")
    spill = str(out / ".truth-tmp").replace("'", "''")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    files = {
        "cpr": "cpr.parquet", "cpr_residence": "cpr_residence.parquet",
        "lpr_contacts": "lpr_contacts.parquet", "lpr_diagnoses": "lpr_diagnoses.parquet",
        "lpr_procedures": "lpr_procedures.parquet", "organisations": "organisations.parquet",
        "versions": "events/municipal_versions.parquet", "ledger": "report_ledger.parquet",
        "plan": "events/municipal_plan.parquet",
    }  # fmt: skip
    for name, file in files.items():
        path = str(out / file).replace("'", "''")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    con.execute(
        "CREATE OR REPLACE MACRO age_years(b, d) AS date_diff('year', b, d) - "
        "CASE WHEN month(d) * 100 + day(d) < month(b) * 100 + day(b) THEN 1 ELSE 0 END"
    )
    con.execute(ADMISSIONS.format(gap=gap_hours, min_hours=min_hours))
    con.execute(HOSPITALS)
    con.execute(VERSIONS.format(view="actual", filter="NOT erroneous"))
    con.execute(VERSIONS.format(view="observable", filter="delivered"))
    con.execute(COVERAGE)
    return con
