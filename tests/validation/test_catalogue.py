"""The rule catalogue: complete fields, unique keys, and ``docs/rules.md`` is current."""

from __future__ import annotations

from pathlib import Path

from tvaers.validation import rule_catalogue
from tvaers.validation.rulesdoc import rules_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_rules_md_is_current() -> None:
    shipped = (ROOT / "docs" / "rules.md").read_text("utf-8")
    assert rules_markdown() == shipped, "run: python tools/build_rules_doc.py"


def test_every_rule_is_complete() -> None:
    rules = rule_catalogue()
    assert len({r.key for r in rules}) == len(rules)
    for rule in rules:
        assert rule.message_en and rule.message_da and rule.how_to_fix, rule.key
        assert rule.severity in ("fatal", "error", "warning", "information")
        assert rule.ig in ("care", "rehab", "prevention", "core", "any")
        if rule.profile:
            assert rule.key == f"{rule.family}:{rule.profile}:{rule.element}"


def test_catalogue_names_the_contract_families() -> None:
    families = {r.family for r in rule_catalogue()}
    assert {"json", "bundle", "cardinality", "fixed", "pattern", "binding", "slice", "type",
            "unknown-element", "cpr", "sor"} <= families  # fmt: skip


def test_rules_serialise_like_the_gateway_rules() -> None:
    row = rule_catalogue()[0].as_dict()
    assert {"key", "family", "ig", "severity", "message_en", "message_da", "how_to_fix"} <= set(row)


def test_every_kind_of_finding_has_a_danish_fix() -> None:
    from tvaers.validation.fixes_da import FIXES_DA
    from tvaers.validation.messages import MESSAGES

    assert set(FIXES_DA) == set(MESSAGES)
    assert all(text.strip() for text in FIXES_DA.values())
    rules = rule_catalogue()
    assert all(rule.how_to_fix_da for rule in rules)
