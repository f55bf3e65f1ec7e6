"""The municipal part of one block: stories, delivery and the tables it hands to the writer.

A pure function of (config, options, block number, the block's part-1 tables), so it runs in
any worker process and its output does not depend on the worker count.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tvaers.synth.config import SynthConfig
from tvaers.synth.municipal import care, prevention, rehab
from tvaers.synth.municipal.context import block_data
from tvaers.synth.municipal.delivery import COLUMNS, Courier
from tvaers.synth.municipal.levers import load_levers
from tvaers.synth.municipal.options import MunicipalOptions
from tvaers.synth.municipal.partition import SPILL_SCHEMA, spill_block
from tvaers.synth.municipal.plan import Plan, draw_plan
from tvaers.synth.municipal.story import IdPool
from tvaers.synth.municipal.versions import versions_table
from tvaers.synth.rng import stream

VERSIONS = "events/municipal_versions"
_PLANS: dict[tuple[object, ...], Plan] = {}


def plan_of(config: SynthConfig, options: MunicipalOptions) -> Plan:
    """The run's plan, drawn once per process."""
    key = (config.seed, config.start, config.end, repr(options))
    if key not in _PLANS:
        _PLANS[key] = draw_plan(config, options, load_levers())
    return _PLANS[key]


def municipal_block(
    config: SynthConfig,
    options: MunicipalOptions,
    block: int,
    tables: dict[str, pa.Table],
    spill: Path,
) -> dict[str, pa.Table]:
    """Spill the block's delivery reports under ``spill``; return its resource versions."""
    levers, plan = load_levers(), plan_of(config, options)
    ids = IdPool(stream(config.seed, block, "municipal_ids"))
    data = block_data(tables, plan, levers, ids)
    refs = tables["events/referrals"]
    law = refs.column("law_section")
    stories = [
        *prevention.tell(data, refs.filter(pc.equal(law, "SUL §119")),
                         stream(config.seed, block, "prevention")),
        *rehab.tell(data, refs.filter(pc.equal(law, "SUL §140")), stream(config.seed, block, "rehab")),
        *care.tell(data, tables["events/encounters"], stream(config.seed, block, "care")),
    ]  # fmt: skip
    courier = Courier(plan, levers, options, stream(config.seed, block, "delivery"), ids)
    for story in stories:
        courier.deliver(story)
    reports = pa.table(
        [pa.array(courier.rows[n], type=SPILL_SCHEMA.field(n).type) for n in COLUMNS],
        schema=SPILL_SCHEMA,
    )
    spill_block(reports, spill, block)
    return {VERSIONS: versions_table(stories, plan)}
