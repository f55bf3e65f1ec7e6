"""Data-quality statistics: counts per municipality x IG x month, worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from gateway_factories import CPR_A, CPR_B, SOR_HOLBAEK, SOR_KBH, make_delivery_report, to_bytes
from gateway_support import Gateway

from tvaers.gateway.api.meta import rule_catalogue
from tvaers.gateway.quality_stats import export, rule_texts


def _submit(gw: Gateway, who: str, **kwargs: object) -> int:
    bundle = make_delivery_report(**kwargs)  # type: ignore[arg-type]
    return gw.put(bundle["id"], to_bytes(bundle), who=who).status_code


def _invalid(gw: Gateway, who: str, **kwargs: object) -> int:
    bundle = make_delivery_report(**kwargs)  # type: ignore[arg-type]
    bundle["type"] = "transaction"  # fixed to "collection" by the profile
    return gw.put(bundle["id"], to_bytes(bundle), who=who).status_code


def test_counts_by_month_of_the_report(sqlite_gateway: Gateway, tmp_path: Path) -> None:
    gw = sqlite_gateway
    # København: two accepted in January 2024 (two citizens), one rejected in January,
    # one accepted in March. Holbæk: one rejected in March, nothing accepted.
    assert _submit(gw, "kbh", cpr=CPR_A, timestamp="2024-01-10T08:00:00Z") == 201
    assert _submit(gw, "kbh", cpr=CPR_B, timestamp="2024-01-31T23:30:00Z") == 201
    assert _invalid(gw, "kbh", cpr=CPR_A, timestamp="2024-01-15T08:00:00Z") == 422
    assert _submit(gw, "kbh", cpr=CPR_A, timestamp="2024-03-01T00:00:00Z") == 201
    assert _invalid(gw, "holbaek", sor=SOR_HOLBAEK, timestamp="2024-03-05T08:00:00Z") == 422

    with gw.store.db.read() as conn:
        counts = export(conn, rule_catalogue(), tmp_path)
    coverage = {
        (r["kommunekode"], r["month"]): (r["accepted"], r["rejected"])
        for r in pq.read_table(tmp_path / "coverage.parquet").to_pylist()
    }
    assert coverage == {("101", "2024-01"): (2, 1), ("101", "2024-03"): (1, 0),
                        ("316", "2024-03"): (0, 1)}  # fmt: skip
    rejects = pq.read_table(tmp_path / "rejects.parquet").to_pylist()
    # A Bundle.type of "transaction" breaks the profile's fixed value and FHIR's bdl-3.
    rules = {"pattern:klgateway-care-delivery-report:Bundle.type", "bdl-3"}
    assert {(r["kommunekode"], r["month"], r["rule_key"], r["count"]) for r in rejects} == {
        (kommune, month, rule, 1)
        for kommune, month in (("101", "2024-01"), ("316", "2024-03"))
        for rule in rules
    }
    assert all(r["message_da"] and "{" not in r["message_da"] for r in rejects)
    lag = pq.read_table(tmp_path / "lag.parquet").to_pylist()
    assert {(r["kommunekode"], r["month"], r["reports"]) for r in lag} == {
        ("101", "2024-01", 2),
        ("101", "2024-03", 1),
    }
    assert counts == {"coverage": 3, "rejects": 4, "lag": 2}
    assert SOR_KBH  # the København unit is the factories' default


def test_rule_texts_fill_the_element_and_blank_the_rest() -> None:
    texts = rule_texts([{
        "key": "binding:p:Encounter.class", "element": "Encounter.class",
        "message_da": "{element}: {coding} er ikke i det krævede værdisæt {valueset}",
        "how_to_fix": "Use a code from the bound value set.",
    }])  # fmt: skip
    assert texts["binding:p:Encounter.class"] == (
        "Encounter.class: … er ikke i det krævede værdisæt …",
        "Use a code from the bound value set.",
    )
