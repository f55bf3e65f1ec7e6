"""The municipal part's entries in ``manifest.json`` and ``events/municipal_plan.parquet``."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tvaers.synth.municipal.levers import load_levers
from tvaers.synth.municipal.options import IGS, MunicipalOptions
from tvaers.synth.municipal.partition import LEDGER, REPORTS
from tvaers.synth.municipal.plan import ALWAYS, NEVER, Plan
from tvaers.synth.schema import SCHEMA_VERSION

EPOCH = date(1970, 1, 1)


def _day(value: int) -> date:
    return EPOCH + timedelta(days=int(value))


def write_plan(plan: Plan, path: Path) -> None:
    """One row per municipality: client, reporting per IG, outages, FSIII switch."""
    columns: dict[str, pa.Array] = {
        "kommunekode": pa.array(plan.kommunekoder),
        "client_id": pa.array(plan.client_id),
    }
    for ig in IGS:
        first = plan.report_from[ig]
        columns[f"{ig}_reporting"] = pa.array(
            ["never" if f == NEVER else "always" if f == ALWAYS else "from" for f in first.tolist()]
        )
        columns[f"{ig}_from"] = pa.array(
            [None if f in (NEVER, ALWAYS) else _day(f) for f in first.tolist()], pa.date32()
        )
    columns["outages"] = pa.array(
        [[[_day(s), _day(e)] for s, e in zip(st.tolist(), en.tolist(), strict=True)]
         for st, en in zip(plan.outage_start, plan.outage_end, strict=True)],
        pa.list_(pa.list_(pa.date32())),
    )  # fmt: skip
    columns["follow_up_observations"] = pa.array(plan.follow_up_observations.tolist())
    columns["code_switch"] = pa.array([_day(d) for d in plan.code_switch.tolist()], pa.date32())
    columns["legacy_keys"] = pa.array(plan.legacy_keys.tolist())
    table = pa.table(columns)
    meta = {"schema_version": str(SCHEMA_VERSION), "table": "events/municipal_plan"}
    pq.write_table(table.replace_schema_metadata(meta), path, compression="zstd")


def municipal_manifest(options: MunicipalOptions, out: Path) -> dict[str, object]:
    """Options, lever hash and report counts (accepted, rejected by rule) of the run."""
    ledger = pq.read_table(out / LEDGER, columns=["expected", "rule_key"])
    expected = Counter(ledger.column("expected").to_pylist())
    rules = Counter(r for r in ledger.column("rule_key").to_pylist() if r)
    files = sorted((out / REPORTS).rglob("*.ndjson.zst"))
    return {
        "options": options.as_dict(),
        "levers_sha256": load_levers().sha256,
        "reports": ledger.num_rows,
        "accepted": expected.get("accepted", 0),
        "rejected": expected.get("rejected", 0),
        "rejected_by_rule": dict(sorted(rules.items())),
        "report_files": len(files),
        "report_bytes": sum(f.stat().st_size for f in files),
        "cutoff": "the window's last day: reports sent later are not written",
    }
