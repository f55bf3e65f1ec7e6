"""The shipped profile and R4 core tables, compiled into :class:`Element` trees on first use.

``data/profiles.json.gz`` (``tools/build_profiles.py``) holds the three inbound IGs;
``data/fhir-r4-core.json.gz`` (``tools/build_fhir_core.py``) the R4 primitives, datatypes
and the resource types the IGs profile. Nothing is read at import time.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from tvaers.terminology import valuesets
from tvaers.terminology.tables import LATEST
from tvaers.validation.model import Element, resolve_content_refs

IgName = Literal["care", "rehab", "prevention"]
IG_NAMES: tuple[IgName, ...] = ("care", "rehab", "prevention")


def _load(name: str) -> dict[str, Any]:
    blob = resources.files("tvaers.validation").joinpath(f"data/{name}").read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(blob))
    return data


@dataclass(frozen=True, slots=True)
class Primitive:
    """A primitive type: its JSON kind and compiled lexical regex."""

    name: str
    json: str  # "string" | "boolean" | "integer" | "number"
    regex: re.Pattern[str] | None


@dataclass(slots=True)
class Profile:
    """One StructureDefinition of an IG (a resource profile or an extension)."""

    url: str
    id: str
    type: str
    kind: str
    deprecated: bool
    ig: IgName | None
    root: Element


@dataclass(slots=True)
class IgTables:
    """The profiles of one IG and the facts the validator needs about it."""

    name: IgName
    package: str
    version: str
    kl_term: str
    canonical: str
    report: str
    incremental: str | None
    profiles: dict[str, Profile] = field(default_factory=dict)

    def profile(self, url: str) -> Profile | None:
        return self.profiles.get(url.split("|")[0])

    def resource_profiles(self) -> list[Profile]:
        return [p for p in self.profiles.values() if p.kind == "resource"]


@cache
def _core() -> dict[str, Any]:
    return _load("fhir-r4-core.json.gz")


@cache
def primitive(name: str) -> Primitive | None:
    """The primitive type ``name`` (e.g. ``dateTime``), or None."""
    row = _core()["primitives"].get(name)
    if row is None:
        return None
    regex = re.compile(row["regex"]) if row["regex"] else None
    return Primitive(name, row["json"], regex)


@cache
def datatype(name: str) -> Element | None:
    """The R4 core definition of a complex datatype, with resolved bindings."""
    node = _core()["datatypes"].get(name)
    if node is None:
        return None
    element = Element(node, core=True)
    resolve_content_refs(element)
    bind(element, LATEST)
    return element


def datatype_names() -> list[str]:
    """Names of the shipped R4 core complex datatypes."""
    return sorted(_core()["datatypes"])


@cache
def core_resource(name: str) -> Profile | None:
    """The R4 core definition of a resource type the IGs profile (base validation)."""
    node = _core()["resources"].get(name)
    if node is None:
        return None
    root = _compile_root(node, LATEST)
    return Profile(
        f"http://hl7.org/fhir/StructureDefinition/{name}", name, name, "resource", False, None, root
    )


@cache
def resource_names() -> frozenset[str]:
    """Every R4 resource type name."""
    return frozenset(_core()["resource_names"])


def bind(root: Element, version: str) -> None:
    """Resolve the required bindings under ``root`` against kl-term ``version``."""
    for element in root.walk():
        if element.binding and valuesets.known(element.binding):
            element.binding_members = valuesets.members(element.binding, version)


def _compile_root(node: dict[str, Any], version: str) -> Element:
    root = Element(node)
    if "id" in root.children:
        root.children["id"].types = ("id",)  # Resource.id is of type id (R4 §2.6.2)
    resolve_content_refs(root)
    bind(root, version)
    return root


@cache
def ig(name: IgName) -> IgTables:
    """The compiled tables of one IG (``care``, ``rehab`` or ``prevention``)."""
    data = _profiles()["igs"][name]
    tables = IgTables(
        name,
        data["package"],
        data["version"],
        data["kl_term"],
        data["canonical"],
        data["report"],
        data["incremental"],
    )
    for url, row in data["profiles"].items():
        root = _compile_root(row["tree"], data["kl_term"])
        tables.profiles[url] = Profile(
            url, row["id"], row["type"], row["kind"], row["deprecated"], name, root
        )
    return tables


@cache
def _profiles() -> dict[str, Any]:
    return _load("profiles.json.gz")


@cache
def ig_of_profile(url: str) -> IgName | None:
    """Which IG a canonical URL belongs to (by the IG's canonical base)."""
    for name in IG_NAMES:
        canonical = _profiles()["igs"][name]["canonical"]
        if url.startswith(canonical + "/"):
            return name
    return None


@cache
def find_profile(url: str) -> Profile | None:
    """A profile of any of the three IGs by canonical URL."""
    name = ig_of_profile(url)
    return ig(name).profile(url) if name else None
