"""The shipped profile and R4 core tables equal a fresh build from their sources."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from tvaers.validation import tables

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "tvaers" / "validation" / "data"


def _shipped(name: str) -> object:
    return json.loads(gzip.decompress((DATA / name).read_bytes()))


def test_core_table_is_regenerated_identically(
    core_package_ready: None, load_tool: Callable[[str], ModuleType]
) -> None:
    fresh = json.loads(gzip.decompress(load_tool("build_fhir_core").render()))
    assert fresh == _shipped("fhir-r4-core.json.gz")


def test_profile_table_is_regenerated_identically(
    reference_dir: Path, core_package_ready: None, load_tool: Callable[[str], ModuleType]
) -> None:
    fresh = json.loads(gzip.decompress(load_tool("build_profiles").render(reference_dir)))
    assert fresh == _shipped("profiles.json.gz")


def test_every_profile_of_the_three_igs_is_shipped(reference_dir: Path) -> None:
    for name in tables.IG_NAMES:
        folder = reference_dir / "kl" / name / "definitions"
        urls = {
            json.loads(p.read_text("utf-8"))["url"]
            for p in folder.glob("StructureDefinition-*.json")
        }
        assert urls == set(tables.ig(name).profiles)


def test_profile_facts_hand_checked() -> None:
    # kl-gateway.md §5: care condition code.coding 1..1, recordedDate 1..1, onset 0..0
    condition = tables.find_profile(
        "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-condition"
    )
    assert condition is not None
    root = condition.root
    assert (root.children["recordedDate"].min, root.children["recordedDate"].max) == (1, 1)
    assert root.children["onset[x]"].max == 0
    assert root.children["code"].binding == "http://fhir.kl.dk/gateway/ValueSet/FSIIICareConditions"
    # §4: the CPR slice carries dk-core's fixed system and the cpr invariant
    citizen = tables.find_profile(
        "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-citizen"
    )
    assert citizen is not None
    cpr = next(s for s in citizen.root.children["identifier"].slices if s.slice_name == "cpr")
    assert cpr.children["system"].fixed == "urn:oid:1.2.208.176.1.2"
    assert cpr.children["value"].check == "cpr"
    # §7: level-2/level-3 codings are a closed slicing by system
    plan = tables.find_profile(
        "http://fhir.kl.dk/rehab/StructureDefinition/klgateway-140-planned-intervention"
    )
    assert plan is not None
    coding = plan.root.children["activity"].children["detail"].children["code"].children["coding"]
    assert coding.slicing is not None and coding.slicing.closed
    assert {s.slice_name for s in coding.slices} == {"level2", "level3"}


def test_core_primitives_carry_their_regex() -> None:
    date = tables.primitive("date")
    assert date is not None and date.regex is not None
    assert date.regex.fullmatch("2024-02-29") and not date.regex.fullmatch("2024-13-01")
    assert tables.primitive("boolean") is not None and tables.primitive("nope") is None
    assert "Bundle" in tables.resource_names() and "Basic" in tables.resource_names()
