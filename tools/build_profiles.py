"""Build ``src/tvaers/validation/data/profiles.json.gz``: the KL Gateway profiles as tables.

Inputs: the compiled StructureDefinitions (with snapshots) of the three inbound IGs in
``../shared/reference/kl/{care,rehab,prevention}/definitions``, dk-core 3.2.0 and the R4
core package (see ``tools/build_fhir_core.py``). Each profile becomes an element tree
(cardinality, types, fixed/pattern values, required bindings, invariants, slicing) with the
datatype profiles it uses (dk-core CPR/SOR identifiers, extension definitions) merged in,
and each slice carries the values its discriminator matches on.

Run: ``python tools/build_profiles.py [REFERENCE_DIR]``. A test regenerates and diffs.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_fhir_core import (
    compile_structure,
    core_package,
    dumps_compact,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tvaers" / "validation" / "data" / "profiles.json.gz"

#: IG name -> (package, version, kl-term version it depends on, report and incremental ids)
IGS: dict[str, dict[str, Any]] = {
    "care": {
        "package": "kl.dk.fhir.gateway",
        "version": "1.2.0",
        "kl_term": "2.2.0",
        "canonical": "http://fhir.kl.dk/gateway",
        "report": "klgateway-care-delivery-report",
        "incremental": "klgateway-care-incremental-delivery",
    },
    "rehab": {
        "package": "kl.dk.fhir.rehab",
        "version": "2.2.0",
        "kl_term": "2.2.0",
        "canonical": "http://fhir.kl.dk/rehab",
        "report": "klgateway-140-delivery-report",
        "incremental": "klgateway-140-incremental-delivery",
    },
    "prevention": {
        "package": "kl.dk.fhir.prevention",
        "version": "2.1.1",
        "kl_term": "2.1.0",
        "canonical": "http://fhir.kl.dk/prevention",
        "report": "klgateway-119-delivery-report",
        "incremental": None,
    },
}
#: Profiles and extensions that the care IG deprecates after the FSIII transition
#: (kl-gateway.md §6); ``--strict`` rejects them.
DEPRECATED_AFTER_TRANSITION = (
    "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-encounter",
    "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-citizens-own-observation",
    "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-matter-of-interest-observation",
    "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-follow-up-encounter-extension",
)


def _definitions(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text("utf-8"))
        for path in sorted(folder.glob("StructureDefinition-*.json"))
    ]


class Resolver:
    """Finds a StructureDefinition by canonical URL in one IG, dk-core, or R4 core."""

    def __init__(self, reference: Path, ig: str):
        kl = reference / "kl"
        self.by_url: dict[str, dict[str, Any]] = {}
        for sd in _definitions(kl / "dk-core-3.2.0" / "definitions"):
            self.by_url[sd["url"]] = sd
        for sd in _definitions(kl / ig / "definitions"):
            self.by_url[sd["url"]] = sd
        self.missing: set[str] = set()

    def __call__(self, url: str) -> dict[str, Any] | None:
        url = url.split("|")[0]
        found = self.by_url.get(url) or core_package().get(url)
        if found is None:
            self.missing.add(url)
        return found


def _find(node: dict[str, Any], path: str) -> dict[str, Any] | None:
    current: dict[str, Any] | None = node
    for part in path.split("."):
        if current is None:
            return None
        current = current.get("children", {}).get(part)
    return current


def _discriminator_values(
    holder: dict[str, Any], node: dict[str, Any], resolve: Resolver
) -> dict[str, Any]:
    """What a slice matches on, from its fixed/pattern values, types or profiles.

    A prohibited slice has no subtree; its values come from the datatype profile it names.
    """
    match: dict[str, Any] = {}
    for kind, path in holder["slicing"]["discriminator"]:
        if kind in ("value", "pattern"):
            target = node if path == "$this" else _find(node, path)
            if target is None and node.get("types", [{}])[0].get("profile"):
                sd = resolve(node["types"][0]["profile"][0])
                if sd is not None:
                    target = _find(compile_structure(sd, resolve), path)
            if target is None:
                continue
            value = target.get("fixed", target.get("pattern"))
            if value is not None:
                match[path] = value
        elif kind == "type":
            target = node if path == "$this" else _find(node, path)
            if target and target.get("types"):
                match[f"type:{path}"] = [t["code"] for t in target["types"]]
        elif kind == "profile":
            target = node if path == "$this" else _find(node, path)
            if target and target.get("types"):
                match[f"profile:{path}"] = [
                    {"type": t["code"], "profile": (t.get("profile") or [None])[0]}
                    for t in target["types"]
                ]
    return match


def annotate_slices(node: dict[str, Any], resolve: Resolver) -> None:
    """Store each slice's discriminator values in ``match``."""
    for child in node.get("slices", {}).values():
        child["match"] = _discriminator_values(node, child, resolve)
    for key in ("children", "slices"):
        for child in node.get(key, {}).values():
            annotate_slices(child, resolve)


def compile_ig(reference: Path, ig: str) -> dict[str, Any]:
    meta = IGS[ig]
    resolve = Resolver(reference, ig)
    profiles: dict[str, Any] = {}
    for sd in _definitions(reference / "kl" / ig / "definitions"):
        tree = compile_structure(sd, resolve, lambda t: annotate_slices(t, resolve))
        profiles[sd["url"]] = {
            "id": sd["id"],
            "type": sd["type"],
            "kind": "extension" if sd["type"] == "Extension" else sd["kind"],
            "deprecated": sd["url"] in DEPRECATED_AFTER_TRANSITION,
            "tree": tree,
        }
    if resolve.missing:
        raise SystemExit(f"{ig}: unresolved profiles {sorted(resolve.missing)}")
    canonical = meta["canonical"]
    return {
        "package": meta["package"],
        "version": meta["version"],
        "kl_term": meta["kl_term"],
        "canonical": canonical,
        "report": f"{canonical}/StructureDefinition/{meta['report']}",
        "incremental": (
            f"{canonical}/StructureDefinition/{meta['incremental']}"
            if meta["incremental"]
            else None
        ),
        "profiles": profiles,
    }


def build(reference: Path) -> dict[str, Any]:
    return {"schema_version": 1, "igs": {ig: compile_ig(reference, ig) for ig in IGS}}


def render(reference: Path) -> bytes:
    """The table as deterministic gzip bytes (mtime 0)."""
    return gzip.compress(dumps_compact(build(reference)), compresslevel=9, mtime=0)


if __name__ == "__main__":
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(render(ref))
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
