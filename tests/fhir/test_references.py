"""References resolve the same way whether relative, absolute or urn:uuid."""

from __future__ import annotations

from tvaers.fhir.references import ReferenceIndex, ResourceKey, parse_reference

UUID = "0a1b2c3d-0000-4000-8000-000000000001"


def test_parse_forms() -> None:
    assert parse_reference("Patient/abc") == ResourceKey("Patient", "abc")
    assert parse_reference("https://test.fhir.dk/Patient/abc") == ResourceKey("Patient", "abc")
    assert parse_reference("https://x.dk/fhir/Patient/abc/_history/2") == ResourceKey(
        "Patient", "abc"
    )
    assert parse_reference(f"urn:uuid:{UUID}") == f"urn:uuid:{UUID}"
    assert parse_reference("urn:uuid:not-a-uuid") is None
    assert parse_reference("#contained") is None


def test_index_resolves_all_three_forms() -> None:
    patient = {"resourceType": "Patient", "id": UUID}
    condition = {"resourceType": "Condition", "id": "c1"}
    bundle = {
        "entry": [
            {"fullUrl": f"urn:uuid:{UUID}", "resource": patient},
            {"fullUrl": "https://test.fhir.dk/Condition/c1", "resource": condition},
        ]
    }
    index = ReferenceIndex(bundle)
    assert index.resolve(f"urn:uuid:{UUID}") is patient
    assert index.resolve(f"Patient/{UUID}") is patient
    assert index.resolve("Condition/c1") is condition
    assert index.resolve("https://other.host/Condition/c1") is condition
    assert index.resolve("Condition/c2") is None


def test_index_tolerates_malformed_bundles() -> None:
    for bundle in ({"entry": {"not": "a list"}}, {"entry": "x"}, {"entry": [1, None, {}]}, {}):
        assert ReferenceIndex(bundle).resolve("Patient/x") is None
