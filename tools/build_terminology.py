"""Build ``src/tvaers/terminology/data/terminology.json.gz`` from KL, dk-core and R4 core.

Inputs: ``../shared/reference/kl`` (kl-term 2.3.0 plus the files that differ in 2.2.0 and
2.1.0, the three inbound IGs' value sets, dk-core 3.2.0) and the R4 core package (see
``tools/build_fhir_core.py``). Output, facts only:

* ``code_systems``: every KL code system (and the IGs' local ones) per kl-term version:
  codes, displays, parents. Code lists are shared across versions; a version is a list of
  ``[code index, display, parent index]`` rows (tables identical across versions are stored
  once).
* ``value_sets``: every value set the IGs bind or their invariants test with ``memberOf``,
  every kl-term value set, and the core value sets of required bindings, expanded here
  from each ``compose`` (include system / concept / filter is-a, descendent-of /
  valueSet; exclude) per kl-term version; members are code indices where the system has a
  shipped code list, else code strings.
* ``fsiii_legacy``: the FSIII UUID <-> legacy-key pairs, by aligning the two parallel
  hierarchies (same display and definition along the whole path).
* ``functional_levels``: FSIII "Funktionsevne skalering" 0-4 and 9 with their Danish meaning.

Run: ``python tools/build_terminology.py [REFERENCE_DIR]``. A test regenerates and diffs.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_fhir_core import core_package, dumps_compact

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tvaers" / "terminology" / "data" / "terminology.json.gz"

KL_VERSIONS = ("2.1.0", "2.2.0", "2.3.0")
IGS = ("care", "rehab", "prevention")
FSIII = "urn:oid:1.2.208.176.2.21"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MEMBER_OF = re.compile(r"memberOf\('([^']+)'\)")
FUNCTIONAL_SCALE_LEGACY = "B"
#: Code systems first published in kl-term 2.3.0 (the version folders list only changed
#: files, so absence in an older version has to be stated here).
ADDED_IN_2_3_0 = frozenset({"http://fhir.kl.dk/term/CodeSystem/LTT"})

Concept = tuple[str, str, "str | None", str]  # code, display, parent, definition


# --------------------------------------------------------------------------- loading
def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _resources(folder: Path, prefix: str) -> Iterator[dict[str, Any]]:
    if folder.is_dir():
        for path in sorted(folder.glob(f"{prefix}-*.json")):
            yield _load(path)


def flatten(concepts: list[dict[str, Any]], parent: str | None = None) -> Iterator[Concept]:
    """Nested CodeSystem concepts as (code, display, parent, definition) rows."""
    for concept in concepts:
        parent_code = parent
        for prop in concept.get("property", ()):
            if prop.get("code") in ("parent", "subsumedBy") and parent is None:
                parent_code = prop.get("valueCode")
        yield (
            concept["code"],
            concept.get("display", ""),
            parent_code,
            concept.get("definition", ""),
        )
        yield from flatten(concept.get("concept", ()), concept["code"])


class Sources:
    """All code systems and value sets by kl-term version ("*" = version-independent)."""

    def __init__(self, reference: Path):
        kl = reference / "kl"
        self.kl = kl
        self.code_systems: dict[str, dict[str, list[Concept]]] = {}
        self.value_sets: dict[str, dict[str, dict[str, Any]]] = {}
        self.kl_cs_urls: list[str] = []
        self.kl_vs_urls: list[str] = []
        for resource in core_package().values():
            self._add(resource, "*")
        for resource in _resources(kl / "dk-core-3.2.0" / "definitions", "CodeSystem"):
            self._add(resource, "*")
        for resource in _resources(kl / "dk-core-3.2.0" / "definitions", "ValueSet"):
            self._add(resource, "*")
        for version in KL_VERSIONS:
            for kind in ("CodeSystem", "ValueSet"):
                folder = "codesystems" if kind == "CodeSystem" else "valuesets"
                layers = [kl / "term" / folder]
                if version != "2.3.0":
                    layers.append(kl / "term" / "versions" / version / folder)
                merged: dict[str, dict[str, Any]] = {}
                for layer in layers:
                    for resource in _resources(layer, kind):
                        merged[resource["url"]] = resource
                for resource in merged.values():
                    self._add(resource, version)
                    urls = self.kl_cs_urls if kind == "CodeSystem" else self.kl_vs_urls
                    if resource["url"] not in urls:
                        urls.append(resource["url"])
        for ig in IGS:
            for kind in ("CodeSystem", "ValueSet"):
                for resource in _resources(kl / ig / "definitions", kind):
                    self._add(resource, "ig")
                    if kind == "CodeSystem" and resource["url"] not in self.kl_cs_urls:
                        self.kl_cs_urls.append(resource["url"])

    def _add(self, resource: dict[str, Any], version: str) -> None:
        kind = resource.get("resourceType")
        url = resource.get("url")
        if not url:
            return
        if kind == "CodeSystem" and resource.get("content") != "supplement":
            self.code_systems.setdefault(url, {})[version] = list(
                flatten(resource.get("concept", ()))
            )
        elif kind == "ValueSet":
            self.value_sets.setdefault(url, {})[version] = resource

    def concepts(self, url: str, version: str) -> list[Concept] | None:
        versions = self.code_systems.get(url)
        if not versions:
            return None
        for key in (version, "ig", "*", "2.3.0"):
            if key in versions:
                return versions[key]
        return None

    def value_set(self, url: str, version: str) -> dict[str, Any] | None:
        versions = self.value_sets.get(url)
        if not versions:
            return None
        for key in (version, "ig", "*", "2.3.0"):
            if key in versions:
                return versions[key]
        return None


# --------------------------------------------------------------------------- expansion
class NotExpandable(Exception):
    pass


def _descendants(concepts: list[Concept], root: str) -> list[str]:
    children: dict[str | None, list[str]] = {}
    for code, _display, parent, _definition in concepts:
        children.setdefault(parent, []).append(code)
    out: list[str] = []
    stack = list(children.get(root, ()))
    while stack:
        code = stack.pop()
        out.append(code)
        stack.extend(children.get(code, ()))
    return out


def _include(src: Sources, part: dict[str, Any], version: str) -> set[tuple[str, str]]:
    members: set[tuple[str, str]] | None = None
    if "valueSet" in part:
        for url in part["valueSet"]:
            found = expand(src, url, version)
            members = found if members is None else members & found
    if "system" in part:
        system = part["system"]
        concepts = src.concepts(system, version)
        if "concept" in part:
            codes = {(system, c["code"]) for c in part["concept"]}
        elif concepts is None:
            raise NotExpandable(f"code system {system} is not available")
        elif part.get("filter"):
            codes = None
            for flt in part["filter"]:
                if flt["property"] != "concept" or flt["op"] not in ("is-a", "descendent-of"):
                    raise NotExpandable(f"filter {flt} is not supported")
                found_codes = set(_descendants(concepts, flt["value"]))
                if flt["op"] == "is-a":
                    found_codes.add(flt["value"])
                step = {(system, code) for code in found_codes}
                codes = step if codes is None else codes & step
            assert codes is not None
        else:
            codes = {(system, c[0]) for c in concepts}
        members = codes if members is None else members & codes
    return members or set()


_memo: dict[tuple[int, str, str], frozenset[tuple[str, str]]] = {}


def expand(src: Sources, url: str, version: str) -> frozenset[tuple[str, str]]:
    """Expand ``url`` against the kl-term ``version``; raises :class:`NotExpandable`."""
    key = (id(src), url.split("|")[0], version)
    if key in _memo:
        return _memo[key]
    vs = src.value_set(key[1], version)
    if vs is None:
        raise NotExpandable(f"value set {url} is not available")
    compose = vs.get("compose")
    if not compose:
        raise NotExpandable(f"value set {url} has no compose")
    members: set[tuple[str, str]] = set()
    for part in compose.get("include", ()):
        members |= _include(src, part, version)
    for part in compose.get("exclude", ()):
        members -= _include(src, part, version)
    _memo[key] = frozenset(members)
    return _memo[key]


# --------------------------------------------------------------------------- selection
def _walk_elements(sd: dict[str, Any]) -> Iterator[dict[str, Any]]:
    prohibited: list[str] = []
    for element in sd.get("snapshot", {}).get("element", ()):
        eid = element["id"]
        if any(eid.startswith(p + ".") or eid.startswith(p + ":") for p in prohibited):
            continue
        if element.get("max") == "0":
            prohibited.append(eid)
            continue
        yield element


def bound_value_sets(src: Sources) -> list[str]:
    """Value sets the three IGs bind (required) or test with memberOf, and core datatypes bind."""
    urls: set[str] = set()
    structures = [
        sd
        for sd in core_package().values()
        if sd.get("resourceType") == "StructureDefinition"
        and sd.get("kind") == "complex-type"
        and sd.get("derivation") == "specialization"
    ]
    for ig in IGS:
        structures.extend(_resources(src.kl / ig / "definitions", "StructureDefinition"))
    structures.extend(_resources(src.kl / "dk-core-3.2.0" / "definitions", "StructureDefinition"))
    for sd in structures:
        for element in _walk_elements(sd):
            binding = element.get("binding") or {}
            if binding.get("strength") == "required" and binding.get("valueSet"):
                urls.add(binding["valueSet"].split("|")[0])
            for constraint in element.get("constraint", ()):
                urls.update(MEMBER_OF.findall(constraint.get("expression", "")))
    for ig in IGS:
        for vs in _resources(src.kl / ig / "definitions", "ValueSet"):
            urls.add(vs["url"])
    urls.update(src.kl_vs_urls)
    return sorted(urls)


# --------------------------------------------------------------------------- tables
def fsiii_legacy_pairs(concepts: list[Concept]) -> list[list[str]]:
    """Pair UUID and legacy FSIII codes with the same display+definition path."""
    by_code = {c[0]: c for c in concepts}

    def signature(code: str) -> tuple[tuple[str, str], ...]:
        path: list[tuple[str, str]] = []
        current: str | None = code
        while current is not None:
            concept = by_code[current]
            path.append((concept[1], concept[3]))
            current = concept[2]
        return tuple(path)

    uuids = {signature(c[0]): c[0] for c in concepts if UUID.match(c[0])}
    legacy = {signature(c[0]): c[0] for c in concepts if not UUID.match(c[0])}
    return sorted([uuids[sig], legacy[sig]] for sig in uuids.keys() & legacy.keys())


def functional_levels(concepts: list[Concept], pairs: list[list[str]]) -> list[dict[str, str]]:
    """FSIII functional levels: digit, UUID code, legacy key, Danish meaning."""
    uuid_of = {legacy: uuid for uuid, legacy in pairs}
    rows = []
    for code, display, parent, definition in concepts:
        if parent == FUNCTIONAL_SCALE_LEGACY:
            meaning = definition.split("\n", 1)[0].strip().rstrip(".")
            rows.append({"level": display, "uuid": uuid_of[code], "legacy": code, "da": meaning})
    return sorted(rows, key=lambda r: r["level"])


class Tables:
    """Accumulates the compact output (shared code lists, deduplicated tables)."""

    def __init__(self) -> None:
        self.code_lists: dict[str, list[str]] = {}
        self.index: dict[str, dict[str, int]] = {}
        self.tables: list[list[list[Any]]] = []
        self.table_ids: dict[str, int] = {}
        self.expansions: list[dict[str, list[Any]]] = []
        self.expansion_ids: dict[str, int] = {}

    def add_code_system(self, url: str, versions: dict[str, list[Concept]]) -> dict[str, int]:
        codes = sorted({c[0] for concepts in versions.values() for c in concepts})
        self.code_lists[url] = codes
        self.index[url] = {code: i for i, code in enumerate(codes)}
        out = {}
        for version, concepts in versions.items():
            idx = self.index[url]
            rows = [
                [idx[code], display, idx.get(parent, -1)]
                for code, display, parent, _definition in concepts
            ]
            out[version] = self._dedupe(rows, self.tables, self.table_ids)
        return out

    def add_expansion(self, members: frozenset[tuple[str, str]]) -> int:
        by_system: dict[str, list[Any]] = {}
        for system, code in sorted(members):
            idx = self.index.get(system, {}).get(code)
            by_system.setdefault(system, []).append(code if idx is None else idx)
        return self._dedupe(by_system, self.expansions, self.expansion_ids)

    @staticmethod
    def _dedupe(value: Any, store: list[Any], ids: dict[str, int]) -> int:
        key = json.dumps(value, sort_keys=True)
        if key not in ids:
            ids[key] = len(store)
            store.append(value)
        return ids[key]


def build(reference: Path) -> dict[str, Any]:
    src = Sources(reference)
    tables = Tables()
    systems: dict[str, Any] = {}
    for url in src.kl_cs_urls:
        versions = {
            v: src.concepts(url, v) or []
            for v in KL_VERSIONS
            if v == "2.3.0" or url not in ADDED_IN_2_3_0
        }
        systems[url] = {"versions": tables.add_code_system(url, versions)}
    value_sets: dict[str, Any] = {}
    not_expandable: dict[str, str] = {}
    for url in bound_value_sets(src):
        versions: dict[str, int] = {}
        try:
            for version in KL_VERSIONS:
                versions[version] = tables.add_expansion(expand(src, url, version))
        except NotExpandable as exc:
            not_expandable[url] = str(exc)
            continue
        value_sets[url] = {"versions": versions}
    fsiii = src.concepts(FSIII, "2.3.0") or []
    pairs = fsiii_legacy_pairs(fsiii)
    return {
        "schema_version": 1,
        "kl_term_versions": list(KL_VERSIONS),
        "code_lists": tables.code_lists,
        "code_systems": systems,
        "concept_tables": tables.tables,
        "value_sets": value_sets,
        "expansions": tables.expansions,
        "not_expandable": not_expandable,
        "fsiii_legacy": pairs,
        "functional_levels": functional_levels(fsiii, pairs),
    }


def render(reference: Path) -> bytes:
    """The table as deterministic gzip bytes (mtime 0)."""
    return gzip.compress(dumps_compact(build(reference)), compresslevel=9, mtime=0)


if __name__ == "__main__":
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(render(ref))
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
