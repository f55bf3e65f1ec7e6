"""KL terminology tables: regenerated identically, and equal to independent references.

The references are the expansions and the UUID<->legacy map that ship with the KL
reference data (computed by other tooling), and hand-checked facts from the IG texts.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from tvaers.terminology import codesystems, fsiii, valuesets
from tvaers.terminology.codesystems import CARE_SOCIAL_CODES, FSIII

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src/tvaers/terminology/data/terminology.json.gz"
#: kl-term version each reference expansion folder was computed against (reference README).
EXPANSION_FOLDERS = {"care": "2.2.0", "rehab": "2.2.0", "prevention": "2.1.0", "term": "2.3.0"}


def test_shipped_table_is_regenerated_identically(
    reference_dir: Path, core_package_ready: None, load_tool: Callable[[str], ModuleType]
) -> None:
    fresh = json.loads(gzip.decompress(load_tool("build_terminology").render(reference_dir)))
    assert fresh == json.loads(gzip.decompress(SHIPPED.read_bytes()))


def _reference_expansions(reference_dir: Path) -> list[tuple[str, str, Path]]:
    cases = []
    for folder, version in EXPANSION_FOLDERS.items():
        for path in sorted((reference_dir / "kl" / folder / "expansions").glob("*.json")):
            cases.append((folder, version, path))
    return cases


def test_expansions_equal_the_reference_expansions(reference_dir: Path) -> None:
    compared = 0
    for folder, version, path in _reference_expansions(reference_dir):
        data = json.loads(path.read_text("utf-8"))
        if not valuesets.known(data["url"]):
            continue  # bound only in prohibited elements, or included by another value set
        expected: dict[str, set[str]] = {}
        for item in data["expansion"].get("contains", ()):
            expected.setdefault(item["system"], set()).add(item["code"])
        got = {s: set(c) for s, c in valuesets.members(data["url"], version).items() if c}
        assert got == expected, f"{folder}: {data['url']} ({version})"
        compared += 1
    assert compared >= 130


def test_every_value_set_the_igs_bind_is_shipped(reference_dir: Path) -> None:
    for ig in ("care", "rehab", "prevention"):
        for path in (reference_dir / "kl" / ig / "definitions").glob("ValueSet-*.json"):
            url = json.loads(path.read_text("utf-8"))["url"]
            for version in ("2.1.0", "2.2.0", "2.3.0"):
                assert valuesets.size(url, version) > 0, (url, version)


def test_legacy_map_equals_the_reference_map(reference_dir: Path) -> None:
    path = reference_dir / "kl" / "term" / "fsiii-uuid-legacy-map.csv"
    with path.open(encoding="utf-8") as fh:
        expected = {row["uuid_code"]: row["legacy_code"] for row in csv.DictReader(fh)}
    assert fsiii.uuid_to_legacy() == expected
    assert len(expected) == 414


def test_functional_levels_are_the_fsiii_scale() -> None:
    # kl-gateway.md §6: 0 B1 9c5cfb57..., 1 B2 fcc16cb1..., ..., 9 B6 d7ff926a...
    levels = fsiii.functional_levels()
    assert [lv.level for lv in levels] == [0, 1, 2, 3, 4, 9]
    assert [lv.legacy for lv in levels] == ["B1", "B2", "B3", "B4", "B5", "B6"]
    assert levels[1].uuid == "fcc16cb1-41f0-4832-b834-110fba0aaabe"
    assert levels[1].meaning_da == "Lette begrænsninger"
    assert levels[5].meaning_da == "Ikke relevant"
    assert fsiii.functional_level("B4") == levels[3]
    assert fsiii.functional_level("f4c9f159-5806-4c06-95e9-e69b83bab1a1") == levels[4]
    assert fsiii.functional_level("J1.1") is None


def test_uuid_legacy_conversion() -> None:
    assert fsiii.to_uuid("B2") == "fcc16cb1-41f0-4832-b834-110fba0aaabe"
    assert fsiii.to_legacy("fcc16cb1-41f0-4832-b834-110fba0aaabe") == "B2"
    assert fsiii.to_uuid("fcc16cb1-41f0-4832-b834-110fba0aaabe") == (
        "fcc16cb1-41f0-4832-b834-110fba0aaabe"
    )
    assert fsiii.to_uuid("no-such-code") is None
    assert fsiii.is_uuid("fcc16cb1-41f0-4832-b834-110fba0aaabe") and not fsiii.is_uuid("B2")


@pytest.mark.parametrize(
    ("system", "version", "count"),
    [
        # reference README: FSIII 828 (2.3.0) and 808 (2.1.0); CareSocialCodes 91/89/87
        (FSIII, "2.3.0", 828),
        (FSIII, "2.2.0", 828),
        (FSIII, "2.1.0", 808),
        (CARE_SOCIAL_CODES, "2.3.0", 91),
        (CARE_SOCIAL_CODES, "2.2.0", 89),
        (CARE_SOCIAL_CODES, "2.1.0", 87),
        (codesystems.FFB, "2.3.0", 220),
        (codesystems.FBOE, "2.3.0", 295),
        (codesystems.LTT, "2.3.0", 27),
    ],
)
def test_code_system_sizes(system: str, version: str, count: int) -> None:
    cs = codesystems.code_system(system, version)
    assert cs is not None and len(cs) == count


def test_ltt_is_new_in_2_3_0() -> None:
    assert codesystems.code_system(codesystems.LTT, "2.2.0") is None


def test_caresocialcodes_changes_between_versions() -> None:
    # 2.3.0 removed 54c4ffea... "FSIII helhedsvurdering" (reference README)
    removed = "54c4ffea"
    old = codesystems.code_system(CARE_SOCIAL_CODES, "2.2.0")
    new = codesystems.code_system(CARE_SOCIAL_CODES, "2.3.0")
    assert old is not None and new is not None
    assert any(code.startswith(removed) for code in old.codes())
    assert not any(code.startswith(removed) for code in new.codes())


def test_hierarchy_lookups() -> None:
    cs = codesystems.code_system(FSIII)
    assert cs is not None
    assert cs.display("B2") == "1"
    assert cs.get("B2") is not None and cs.ancestors("B2") == ["B"]
    assert cs.is_a("B2", "B") and not cs.is_a("B", "B2")
    assert "B2" in cs.children("B")


def test_value_set_membership_hand_checked() -> None:
    # kl-gateway.md §5: FSIIICareConditions = nursing + home-care conditions (legacy and UUID)
    conditions = "http://fhir.kl.dk/gateway/ValueSet/FSIIICareConditions"
    assert valuesets.contains(conditions, FSIII, "J1.1", "2.2.0")
    assert not valuesets.contains(conditions, FSIII, "B2", "2.2.0")
    assert not valuesets.contains(conditions, "urn:other", "J1.1", "2.2.0")
    severities = "http://fhir.kl.dk/term/ValueSet/KLSeveritiesFSIII"
    for level in fsiii.functional_levels():
        assert valuesets.contains(severities, FSIII, level.legacy, "2.2.0")
        assert valuesets.contains(severities, FSIII, level.uuid, "2.2.0")
    # §140 ServiceRequest category values (kl-gateway.md §7)
    sr_types = "http://fhir.kl.dk/rehab/ValueSet/ServiceRequestTypes140"
    assert valuesets.contains(
        sr_types, CARE_SOCIAL_CODES, "ffd81f78-352e-4589-a195-5350dd1df2a4", "2.2.0"
    )
    # a core value set, version-independent
    assert valuesets.contains(
        "http://hl7.org/fhir/ValueSet/bundle-type|4.0.1",
        "http://hl7.org/fhir/bundle-type",
        "collection",
        "2.2.0",
    )


def test_aeldrelov_codes_are_new_in_2_2_0() -> None:
    # 2.2.0 added 20 "Ældrelovsindsats" codes (reference README): the group in UUID and legacy
    # form plus 9 interventions in both forms; the value set takes descendants only (18).
    old = codesystems.code_system(FSIII, "2.1.0")
    new = codesystems.code_system(FSIII, "2.2.0")
    assert old is not None and new is not None
    added = set(new.codes()) - set(old.codes())
    assert len(added) == 20
    assert {"Aeldrelovsindsats", "2a668eb0-25f1-4101-863c-11e81c4bf210", "Madservice"} <= added
    url = "http://fhir.kl.dk/term/ValueSet/KLHomeCareInterventionsFSIII"
    gained = valuesets.members(url, "2.2.0")[FSIII] - valuesets.members(url, "2.1.0")[FSIII]
    assert len(gained) == 18 and gained <= added
    assert "Aeldrelovsindsats" not in gained


def test_unknown_value_set_and_version_are_reported() -> None:
    with pytest.raises(valuesets.UnknownValueSet):
        valuesets.contains("http://example.org/nope", FSIII, "B2")
    with pytest.raises(ValueError, match=r"2\.1\.0, 2\.2\.0, 2\.3\.0"):
        valuesets.members("http://fhir.kl.dk/term/ValueSet/KLSeveritiesFSIII", "9.9")
