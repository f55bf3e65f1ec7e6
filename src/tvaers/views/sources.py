"""Resources in: files of FHIR JSON, flattened to one entry per resource.

Accepted inputs: ``.json`` (one resource or Bundle), ``.ndjson`` (one per line) and
``.ndjson.zst`` (zstd-compressed NDJSON), or folders holding such files. A Bundle is
yielded itself and then its entries, recursively (KL incremental deliveries nest
delivery-report Bundles); each entry carries its ``fullUrl`` and the bundle's
``urn:uuid`` fullUrl -> resource type map, so reference keys resolve ``urn:uuid`` forms.
Errors name the file and line.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from tvaers.errors import InputError
from tvaers.fhir.jsonio import parse_json

SUFFIXES = (".json", ".ndjson", ".ndjson.zst")


class Entry(NamedTuple):
    """One resource with what its bundle says about it."""

    resource: dict[str, Any]
    full_url: str | None = None
    urn_types: dict[str, str] | None = None


def flatten(resource: Any, *, source: str = "<input>") -> Iterator[Entry]:
    """The resource itself and, for a Bundle, every entry's resource (recursively)."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise InputError("not a FHIR resource (no resourceType)", location=source)
    yield Entry(resource)
    if resource["resourceType"] == "Bundle":
        yield from _bundle_entries(resource, source)


def _bundle_entries(bundle: dict[str, Any], source: str) -> Iterator[Entry]:
    entries = [e for e in bundle.get("entry") or () if isinstance(e, dict)]
    urn_types = {
        e["fullUrl"]: e["resource"]["resourceType"]
        for e in entries
        if isinstance(e.get("fullUrl"), str)
        and e["fullUrl"].startswith("urn:")
        and isinstance(e.get("resource"), dict)
        and isinstance(e["resource"].get("resourceType"), str)
    }
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            continue
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        yield Entry(resource, full_url, urn_types or None)
        if resource["resourceType"] == "Bundle":
            yield from _bundle_entries(resource, source)


def files_of(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Input files: the given files, and the matching files under given folders (sorted)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)
            )
        elif path.is_file():
            if not path.name.endswith(SUFFIXES):
                raise InputError(
                    "unsupported file type",
                    location=str(path),
                    hint=f"use one of {', '.join(SUFFIXES)}",
                )
            yield path
        else:
            raise InputError("no such file or folder", location=str(path))


def read_file(path: Path) -> Iterator[Any]:
    """Parsed JSON documents of one file (one for .json, one per line for NDJSON)."""
    if path.name.endswith(".json"):
        yield parse_json(path.read_bytes(), source=str(path))
        return
    for number, line in enumerate(_lines(path), start=1):
        if line.strip():
            yield parse_json(line, source=f"{path}:{number}")


def _lines(path: Path) -> Iterator[bytes]:
    if path.name.endswith(".zst"):
        import zstandard

        with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            yield from io.BufferedReader(reader)
        return
    with path.open("rb") as handle:
        yield from handle


def read_entries(paths: Iterable[str | Path]) -> Iterator[Entry]:
    """Every resource in the given files and folders, bundles flattened."""
    for path in files_of(paths):
        for document in read_file(path):
            yield from flatten(document, source=str(path))
