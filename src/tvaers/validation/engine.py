"""Orchestration: pick the profile of a report or resource, walk it, apply report rules.

A delivery report is validated against its IG's delivery-report profile; each entry's
resource against the profile the report profile names for its type (or, where the report
profile leaves the type open, against the IG profiles the resource declares in
``meta.profile``, else the R4 core definition). Incremental deliveries nest whole reports.
"""

from __future__ import annotations

from typing import Any

from tvaers.fhir.outcome import Issue
from tvaers.fhir.references import ReferenceIndex, parse_reference
from tvaers.validation.context import Capped, Context, Located
from tvaers.validation.messages import MESSAGES, describe
from tvaers.validation.model import Element
from tvaers.validation.tables import (
    IgName,
    Profile,
    core_resource,
    find_profile,
    ig,
    ig_of_profile,
)
from tvaers.validation.walker import Walker


def run(resource: Any, ctx: Context, forced_ig: IgName | None = None) -> IgName | None:
    """Validate ``resource`` into ``ctx``; returns the IG it was validated against."""
    try:
        return _top(resource, ctx, forced_ig)
    except RecursionError:  # only a hostile, pre-parsed object nests this deep
        ctx.issues.append(
            Issue(
                "fatal",
                "structure",
                "json:too-deep",
                MESSAGES["json.too-deep"].en.format(
                    detail="the resource nests beyond any FHIR structure"
                ),
                text_da=MESSAGES["json.too-deep"].da.format(
                    detail="ressourcen er dybere end nogen FHIR-struktur"
                ),
            )
        )
        return None
    except Capped:
        message = MESSAGES["json.issue-cap"]
        count = len(ctx.issues)
        ctx.issues.append(
            Issue(
                "information",
                message.code,
                "json:issue-cap",
                message.en.format(count=count),
                text_da=message.da.format(count=count),
            )
        )
        return None


def _declared(resource: dict[str, Any]) -> list[str]:
    meta = resource.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    return [p for p in profiles if isinstance(p, str)] if isinstance(profiles, list) else []


def select_profile(resource: dict[str, Any], forced_ig: IgName | None) -> Profile | None:
    """The IG profile a top-level input is validated against, or None if out of scope."""
    for url in _declared(resource):
        found = find_profile(url)
        if found is not None and found.kind == "resource":
            return found
    if resource.get("resourceType") != "Bundle":
        return None
    name = forced_ig
    if name is None:
        for entry in resource.get("entry") or ():
            inner = entry.get("resource") if isinstance(entry, dict) else None
            for url in _declared(inner) if isinstance(inner, dict) else ():
                name = ig_of_profile(url)
                if name:
                    break
            if name:
                break
    return ig(name).profile(ig(name).report) if name else None


def _top(resource: Any, ctx: Context, forced_ig: IgName | None) -> IgName | None:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        ctx.report("fatal", "json.not-a-resource", "json:not-a-resource", None,
                   got=describe(resource, 60))  # fmt: skip
        return None
    profile = select_profile(resource, forced_ig)
    if profile is None:
        seen = _declared(resource)
        ctx.report("fatal", "json.unknown-profile", "json:unknown-profile", f"{resource['resourceType']}.meta.profile",
                   what=f"this {resource['resourceType']}",
                   seen=f" (declared: {', '.join(seen)})" if seen else "")  # fmt: skip
        return None
    validate_as(resource, profile, resource["resourceType"], ctx)
    return profile.ig


def validate_as(resource: dict[str, Any], profile: Profile, path: str, ctx: Context) -> None:
    """Walk ``resource`` against ``profile``; reports get their report-level rules too."""
    if resource.get("resourceType") != profile.type:
        ctx.report("error", "bundle.profile-type", f"bundle:{profile.id}:{profile.type}", path,
                   profile=profile.url, expected=profile.type,
                   got=resource.get("resourceType"))  # fmt: skip
        return
    ctx.resources.append(Located(resource, path, (profile.url,)))
    is_report = profile.ig is not None and profile.url == ig(profile.ig).report
    outer, outer_profiles = ctx.index, ctx.entry_profiles
    if is_report:
        ctx.entry_profiles = _entry_profiles(profile)
        entries = resource.get("entry")  # only well-formed entry lists feed the index
        ctx.index = ReferenceIndex({"entry": entries if isinstance(entries, list) else []})
    before = ctx.errors
    try:
        Walker(ctx, profile, _nested).resource(resource, profile.root, path)
        if is_report:
            _report_rules(resource, profile, path, ctx)
    finally:
        ctx.index, ctx.entry_profiles = outer, outer_profiles
    if profile.ig is not None:
        ctx.conformance.setdefault((id(resource), profile.url), ctx.errors == before)


_ENTRY_PROFILES: dict[str, dict[str, tuple[str, ...]]] = {}


def _entry_profiles(profile: Profile) -> dict[str, tuple[str, ...]]:
    """Resource type -> the profiles a report profile names for its entries (once each)."""
    found = _ENTRY_PROFILES.get(profile.url)
    if found is None:
        entry = profile.root.children.get("entry")
        elements = [e for e in entry.walk() if e.name == "resource"] if entry else []
        found = {t: ps for e in elements for t, ps in e.type_profiles.items()}
        _ENTRY_PROFILES[profile.url] = found
    return found


_CONCRETE: dict[Element, list[str]] = {}


def _concrete_types(elem: Element) -> list[str]:
    """The resource types ``elem`` allows by name (empty: any resource)."""
    found = _CONCRETE.get(elem)
    if found is None:
        found = _CONCRETE[elem] = [t for t in elem.types if t not in ("Resource", "DomainResource")]
    return found


def _nested(item: dict[str, Any], elem: Element, path: str, walker: Walker) -> None:
    """A resource inside another (a Bundle entry, a contained resource)."""
    kind = item["resourceType"]
    allowed = _concrete_types(elem)
    if allowed and kind not in allowed:
        walker.ctx.report("error", "bundle.resource-type", f"bundle:{walker.pid}:{elem.id}", path,
                          type=describe(kind), profile=walker.pid, allowed=", ".join(allowed))  # fmt: skip
        return
    targets = [p for url in elem.type_profiles.get(kind, ()) if (p := find_profile(url))]
    if not targets:
        declared = [find_profile(url) for url in _declared(item)]
        targets = [p for p in declared if p is not None and p.type == kind and p.kind == "resource"]
    if not targets:
        base = core_resource(kind)
        if base is None:
            walker.ctx.report("error", "bundle.resource-type", f"bundle:{walker.pid}:{elem.id}",
                              path, type=describe(kind), profile=walker.pid,
                              allowed="the resource types the IG profiles")  # fmt: skip
            return
        targets = [base]
    for profile in targets:
        validate_as(item, profile, path, walker.ctx)


def _report_rules(bundle: dict[str, Any], profile: Profile, path: str, ctx: Context) -> None:
    """Rules of a delivery report that no single element states (one citizen)."""
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return
    citizens = sum(
        1
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "Patient"
    )
    if citizens != 1 and profile.ig == "care":
        ctx.report("error", "bundle.citizen-count", f"bundle:{profile.id}:Bundle.entry",
                   f"{path}.entry", count=citizens)  # fmt: skip
    for index, entry in enumerate(entries):
        _full_url_rule(entry, f"{path}.entry[{index}].fullUrl", profile, ctx)


def _full_url_rule(entry: Any, path: str, profile: Profile, ctx: Context) -> None:
    """A RESTful fullUrl must end with the resource's own ``Type/id`` (warning)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        return
    full_url, resource = entry.get("fullUrl"), entry["resource"]
    if not isinstance(full_url, str) or full_url.startswith("urn:"):
        return
    expected = f"{resource.get('resourceType')}/{resource.get('id')}"
    parsed = parse_reference(full_url)
    if str(parsed) != expected:
        ctx.report("warning", "reference.full-url", f"reference:{profile.id}:Bundle.entry.fullUrl", path,
                   full_url=describe(full_url), expected=expected)  # fmt: skip
