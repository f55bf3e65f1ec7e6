"""Render the rule catalogue as ``docs/rules.md`` (written by ``tools/build_rules_doc.py``)."""

from __future__ import annotations

from collections import Counter, defaultdict

from tvaers.validation.catalogue import Rule, rule_catalogue
from tvaers.validation.messages import MESSAGES
from tvaers.validation.tables import IG_NAMES, ig

HEADER = """# Validation rules

Generated from the validator's tables by `tools/build_rules_doc.py`; do not edit by hand
(a test fails when this page is out of date). The same catalogue is printed by
`tvaers validate --list-rules` and served at `GET /fhir/rules`.

Every issue of an OperationOutcome carries its rule key in `details.coding`
(system `urn:tvaers:validation-rule`), an English `diagnostics` and a Danish `details.text`.
Keys are API: renaming one needs an alias.

* Derived rules: `<family>:<profile-id>:<element id>`, where the element is the nearest
  element the profile defines (problems inside a datatype the profile does not expand are
  reported under that element; the `expression` gives the exact location).
* IG and FHIR core invariants keep their own keys (e.g. `klgateway-140-care-plan-1`, `ele-1`).
* `json:*` rules concern the input as a whole (not JSON, wrong encoding, too large, ...).
* "Valid" means no `error` or `fatal` issue.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _templates() -> list[str]:
    lines = ["## What each kind of finding says", "",
             "| kind | family | issue type | English | Danish | how to fix |", "|---|---|---|---|---|---|"]  # fmt: skip
    for message in MESSAGES.values():
        lines.append(
            f"| `{message.kind}` | {message.family} | {message.code} | {_cell(message.en)} "
            f"| {_cell(message.da)} | {_cell(message.fix)} |"
        )
    return lines


def _profile_section(title: str, rules: list[Rule]) -> list[str]:
    by_element: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        by_element[rule.element or ""].append(rule)
    lines = [title, "", "| element | rule families (severity) |", "|---|---|"]
    for element, items in by_element.items():
        families = ", ".join(
            r.family if r.severity == "error" else f"{r.family} ({r.severity})" for r in items
        )
        lines.append(f"| `{element}` | {families} |")
    return [*lines, ""]


def rules_markdown() -> str:
    """The whole page."""
    rules = rule_catalogue()
    counts = Counter(rule.family for rule in rules)
    lines = [
        HEADER,
        f"{len(rules)} rules: " + ", ".join(f"{f} {n}" for f, n in sorted(counts.items())),
        "",
    ]
    lines += [*_templates(), ""]
    lines += [
        "## Rules without a profile",
        "",
        "| key | family | severity | English |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        if rule.profile is None:
            lines.append(
                f"| `{rule.key}` | {rule.family} | {rule.severity} | {_cell(rule.message_en)} |"
            )
    lines.append("")
    by_profile: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for rule in rules:
        if rule.profile is not None:
            by_profile[(rule.ig, rule.profile)].append(rule)
    for name in (*IG_NAMES, "core"):
        if name == "core":
            lines += ["## R4 core resources (validated against the base definition)", ""]
        else:
            tables = ig(name)
            lines += [
                f"## {name}: {tables.package} {tables.version} (kl-term {tables.kl_term})",
                "",
            ]
        for (ig_name, profile), items in by_profile.items():
            if ig_name == name:
                lines += _profile_section(f"### {profile}", items)
    return "\n".join(lines).rstrip() + "\n"
