"""Arrow schemas of every table the generator writes (see docs/data-formats.md).

The column names of ``cpr``, ``cpr_residence`` and the three ``lpr_*`` tables are the
contract of docs/contracts.md (schema_version 1): extend by adding columns, never rename.
Times are Danish local time without a zone (LPR3 convention), microsecond resolution.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 1
TS = pa.timestamp("us")

SCHEMAS: dict[str, pa.Schema] = {
    "cpr": pa.schema(
        [
            ("cpr", pa.string()),
            ("birth_date", pa.date32()),
            ("sex", pa.string()),
            ("death_date", pa.date32()),
            ("emigration_date", pa.date32()),
        ]
    ),
    "cpr_residence": pa.schema(
        [
            ("cpr", pa.string()),
            ("kommunekode", pa.string()),
            ("valid_from", pa.date32()),
            ("valid_to", pa.date32()),
        ]
    ),
    "lpr_contacts": pa.schema(
        [
            ("contact_id", pa.string()),
            ("cpr", pa.string()),
            ("sor_unit", pa.string()),
            ("start", TS),
            ("end", TS),
            ("contact_type", pa.string()),
            ("priority", pa.string()),
            ("episode_id", pa.string()),
            ("episode_label", pa.string()),
        ]
    ),
    "lpr_diagnoses": pa.schema(
        [("contact_id", pa.string()), ("code", pa.string()), ("diag_type", pa.string())]
    ),
    "lpr_procedures": pa.schema(
        [("contact_id", pa.string()), ("code", pa.string()), ("performed", TS)]
    ),
    "events/encounters": pa.schema(
        [
            ("encounter_id", pa.string()),
            ("cpr", pa.string()),
            ("pathway", pa.string()),
            ("kind", pa.string()),
            ("priority", pa.string()),
            ("start", TS),
            ("end", TS),
            ("n_contacts", pa.int16()),
            ("first_contact_id", pa.string()),
            ("last_contact_id", pa.string()),
            ("discharge_sor", pa.string()),
            ("episode_id", pa.string()),
            ("main_diagnosis", pa.string()),
            ("died", pa.bool_()),
            ("kommunekode", pa.string()),
        ]
    ),
    "events/contact_encounter": pa.schema(
        [("contact_id", pa.string()), ("encounter_id", pa.string()), ("segment", pa.int8())]
    ),
    "events/referrals": pa.schema(
        [
            ("referral_id", pa.string()),
            ("cpr", pa.string()),
            ("law_section", pa.string()),
            ("programme", pa.string()),
            ("source", pa.string()),
            ("authored", TS),
            ("requester_sor", pa.string()),
            ("focus_code", pa.string()),
            ("focus_system", pa.string()),
            ("encounter_id", pa.string()),
            ("discharge_date", pa.date32()),
            ("gop_type", pa.string()),
            ("kommunekode", pa.string()),
        ]
    ),
    "events/conditions": pa.schema(
        [
            ("cpr", pa.string()),
            ("condition", pa.string()),
            ("onset_date", pa.date32()),
            ("prevalent", pa.bool_()),
            ("hospital_followup", pa.bool_()),
            ("mrc3", pa.bool_()),
        ]
    ),
    "events/persons": pa.schema([("cpr", pa.string()), ("smoker", pa.bool_())]),
}
BLOCK_TABLES = tuple(SCHEMAS)
