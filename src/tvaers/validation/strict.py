"""``--strict``: the post-transition rule list (kl-gateway.md §6), driven by ``data/strict.toml``.

Coding rules run on every Coding of an IG resource (UUID codes only, no rejected
pre-simplification concepts, current displays); resource rules reject deprecated profiles
and extensions, require ``deceasedBoolean`` (and reject a deceased citizen) and restrict a
FollowUpObservation's focus to Conditions. Keys: ``strict:<profile-id>:<element id>``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvaers.terminology import codesystems, fsiii
from tvaers.validation.messages import describe
from tvaers.validation.model import Element

if TYPE_CHECKING:
    from tvaers.validation.walker import Walker


@dataclass(frozen=True, slots=True)
class StrictRules:
    uuid_only_systems: frozenset[str]
    current_display_systems: frozenset[str]
    display_version: str
    deprecated_profiles: frozenset[str]
    deprecated_extensions: frozenset[str]
    rejected: frozenset[str]  # FSIII UUIDs of rejected concepts
    follow_up_profile: str
    follow_up_focus_types: frozenset[str]


@cache
def load(path: str | None = None) -> StrictRules:
    """The strict rules from ``path`` (default: the shipped ``data/strict.toml``)."""
    if path is None:
        text = resources.files("tvaers.validation").joinpath("data/strict.toml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    raw = tomllib.loads(text)
    patterns = [re.compile(p) for p in raw.get("rejected_legacy_patterns", ())]
    rejected = {
        uuid
        for uuid, legacy in fsiii.uuid_to_legacy().items()
        if any(p.match(legacy) for p in patterns)
    }
    rejected.update(raw.get("rejected_codes", ()))
    return StrictRules(
        frozenset(raw["uuid_only_systems"]),
        frozenset(raw["current_display_systems"]),
        raw["display_version"],
        frozenset(raw["deprecated_profiles"]),
        frozenset(raw["deprecated_extensions"]),
        frozenset(rejected),
        raw["follow_up_profile"],
        frozenset(raw["follow_up_focus_types"]),
    )


def coding(walker: Walker, item: Any, path: str, anchor: Element) -> None:
    """UUID-only, rejected concepts and current displays for one Coding."""
    if not isinstance(item, dict):
        return
    rules = load(walker.ctx.strict_config)
    system, code, display = item.get("system"), item.get("code"), item.get("display")
    if not isinstance(system, str) or not isinstance(code, str):
        return
    rule, element, label = (
        walker.rule("strict", anchor),
        walker.display(anchor, anchor),
        f"{system}|{code}",
    )
    if system in rules.uuid_only_systems and not fsiii.is_uuid(code):
        uuid = fsiii.to_uuid(code)
        walker.ctx.report("error", "strict.legacy-code", rule, path, element=element, coding=label,
                          hint=f" (UUID: {uuid})" if uuid else "")  # fmt: skip
        return
    if code in rules.rejected:
        walker.ctx.report(
            "error", "strict.rejected-concept", rule, path, element=element, coding=label
        )
        return
    if isinstance(display, str) and system in rules.current_display_systems:
        current = codesystems.display(system, code, rules.display_version)
        if current is not None and display != current:
            walker.ctx.report("error", "strict.display", rule, path + ".display", element=element,
                              coding=label, display=describe(display), current=describe(current))  # fmt: skip


def resource_rules(walker: Walker, resource: dict[str, Any], path: str) -> None:
    """Deprecated profiles/extensions, deceased citizens and follow-up focus."""
    ctx = walker.ctx
    if not ctx.strict:
        return
    rules = load(ctx.strict_config)
    kind = resource.get("resourceType")
    if walker.profile.url in rules.deprecated_profiles:
        ctx.report("error", "strict.deprecated", f"strict:{walker.pid}:{kind}", path,
                   what=f"profile {walker.profile.url}")  # fmt: skip
    extensions = resource.get("extension")
    for index, extension in enumerate(extensions if isinstance(extensions, list) else ()):
        url = extension.get("url") if isinstance(extension, dict) else None
        if isinstance(url, str) and url in rules.deprecated_extensions:
            ctx.report("error", "strict.deprecated", f"strict:{walker.pid}:{kind}.extension",
                       f"{path}.extension[{index}]", what=f"extension {extension['url']}")  # fmt: skip
    if kind == "Patient":
        _deceased(walker, resource, path)
    if walker.profile.url == rules.follow_up_profile:
        _follow_up_focus(walker, resource, path, rules)


def _deceased(walker: Walker, patient: dict[str, Any], path: str) -> None:
    value = patient.get("deceasedBoolean")
    rule = f"strict:{walker.pid}:Patient.deceased[x]"
    if value is None:
        walker.ctx.report("error", "strict.deceased", rule, f"{path}.deceased", element="Patient.deceased[x]",
                          problem="deceasedBoolean is required after the transition",
                          problem_da="deceasedBoolean er påkrævet efter overgangen")  # fmt: skip
    elif value is True:
        walker.ctx.report("error", "strict.deceased", rule, f"{path}.deceased.ofType(boolean)",
                          element="Patient.deceased[x]",
                          problem="reports on a deceased citizen are rejected after the transition",
                          problem_da="indberetninger om en afdød borger afvises efter overgangen")  # fmt: skip


def _follow_up_focus(
    walker: Walker, observation: dict[str, Any], path: str, rules: StrictRules
) -> None:
    index = walker.ctx.index
    focuses = observation.get("focus")
    for number, focus in enumerate(focuses if isinstance(focuses, list) else ()):
        reference = focus.get("reference") if isinstance(focus, dict) else None
        target = (
            index.resolve(reference) if index is not None and isinstance(reference, str) else None
        )
        kind = target.get("resourceType") if target is not None else None
        if isinstance(kind, str) and kind not in rules.follow_up_focus_types:
            walker.ctx.report("error", "strict.focus", f"strict:{walker.pid}:Observation.focus",
                              f"{path}.focus[{number}]", element="Observation.focus",
                              got=describe(kind))  # fmt: skip
