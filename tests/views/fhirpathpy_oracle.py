"""An independent ViewDefinition evaluator built on fhirpathpy: the oracle for our engine.

It follows the SQL-on-FHIR v2 processing model literally (one function per step) and
evaluates every path with fhirpathpy and its R4 model; only the two key functions are
written here, with their own reference parsing. It shares no code with ``tvaers.views``
or ``tvaers.fhir.fhirpath``. ``bench/views.py`` uses it as the baseline.

Known fhirpathpy limits (so the oracle views avoid them): ``lowBoundary``/``highBoundary``
are not implemented; ``join`` of an empty collection is empty (the official suite wants
``''``); on a node reached by ``forEach``/``repeat`` the R4 model no longer knows the
element's path, so choice elements there (``detail.ofType(...)``) resolve to nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import product
from typing import Any

from fhirpathpy import compile as fp_compile
from fhirpathpy.models import models

Row = dict[str, Any]


def flatten(
    resource: dict[str, Any],
) -> Iterator[tuple[dict[str, Any], str | None, dict[str, str]]]:
    """The resource and, for Bundles, its entries (recursively) with fullUrl and urn types."""
    yield resource, None, {}
    if resource.get("resourceType") == "Bundle":
        yield from _entries(resource)


def _entries(bundle: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str | None, dict[str, str]]]:
    entries = [e for e in bundle.get("entry", []) if "resource" in e]
    urns = {
        e["fullUrl"]: e["resource"]["resourceType"]
        for e in entries
        if str(e.get("fullUrl", "")).startswith("urn:")
    }
    for entry in entries:
        yield entry["resource"], entry.get("fullUrl"), urns
        if entry["resource"]["resourceType"] == "Bundle":
            yield from _entries(entry["resource"])


def _reference_parts(reference: str, urns: dict[str, str]) -> tuple[str | None, str] | None:
    if reference.startswith("urn:uuid:"):
        return urns.get(reference), reference.removeprefix("urn:uuid:")
    parts = reference.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return parts[-2], parts[-1]
    return None


class Oracle:
    """Evaluates one ViewDefinition (a dict) with fhirpathpy."""

    def __init__(self, view: dict[str, Any]):
        self.view = view
        self.constants = {
            c["name"]: next(v for k, v in c.items() if k.startswith("value"))
            for c in view.get("constant", [])
        }
        self._cache: dict[str, Callable[..., list[Any]]] = {}
        self._full_url: str | None = None
        self._urns: dict[str, str] = {}
        self._functions = {
            "getResourceKey": {"fn": self._resource_key},
            "getReferenceKey": {"fn": self._reference_key, "arity": {0: [], 1: ["TypeSpecifier"]}},
        }

    # -- key functions --------------------------------------------------------------
    def _resource_key(self, ctx: list[Any]) -> list[Any]:
        out = []
        for item in ctx:
            if "id" in item:
                out.append(item["id"])
            elif self._full_url and self._full_url.startswith("urn:uuid:"):
                out.append(self._full_url.removeprefix("urn:uuid:"))
        return out

    def _reference_key(self, ctx: list[Any], type_info: Any = None) -> list[Any]:
        wanted = getattr(type_info, "name", None) if type_info is not None else None
        out = []
        for item in ctx:
            reference = item.get("reference") if isinstance(item, dict) else None
            parts = _reference_parts(reference, self._urns) if isinstance(reference, str) else None
            if parts is not None and (wanted is None or parts[0] == wanted):
                out.append(parts[1])
        return out

    # -- paths ----------------------------------------------------------------------
    def path(self, expression: str, node: Any, row_index: int) -> list[Any]:
        if expression not in self._cache:
            # fhirpathpy has no top-level $this; the item itself is what it means there
            text = "identity()" if expression == "$this" else expression
            options = {
                "userInvocationTable": {**self._functions, "identity": {"fn": lambda ctx: ctx}}
            }
            self._cache[expression] = fp_compile(text, models["r4"], options)
        context = {**self.constants, "rowIndex": row_index}
        return list(self._cache[expression](node if node is not None else [], context))

    # -- the processing model ---------------------------------------------------------
    def rows(
        self,
        resource: dict[str, Any],
        full_url: str | None = None,
        urns: dict[str, str] | None = None,
    ) -> list[Row]:
        if resource.get("resourceType") != self.view["resource"]:
            return []
        self._full_url, self._urns = full_url, urns or {}
        for where in self.view.get("where", []):
            if self.path(where["path"], resource, 0) != [True]:
                return []
        return self.process({"select": self.view["select"]}, resource, 0)

    def process(self, select: dict[str, Any], node: Any, row_index: int) -> list[Row]:
        if "forEach" in select or "forEachOrNull" in select:
            foci = self.path(select.get("forEach") or select["forEachOrNull"], node, row_index)
            if not foci and "forEachOrNull" in select:
                return self.combine(select, None, 0)
            return [row for i, focus in enumerate(foci) for row in self.combine(select, focus, i)]
        if "repeat" in select:
            foci = self.repeat(select["repeat"], node, row_index)
            return [row for i, focus in enumerate(foci) for row in self.combine(select, focus, i)]
        return self.combine(select, node, row_index)

    def repeat(self, paths: list[str], node: Any, row_index: int) -> list[Any]:
        """Depth-first pre-order closure of ``paths`` (the node itself excluded)."""
        out: list[Any] = []
        for path in paths:
            for child in self.path(path, node, row_index):
                out.append(child)
                out.extend(self.repeat(paths, child, row_index))
        return out

    def combine(self, select: dict[str, Any], node: Any, row_index: int) -> list[Row]:
        parts: list[list[Row]] = []
        if "column" in select:
            row: Row = {}
            for column in select["column"]:
                values = self.path(column["path"], node, row_index)
                if column.get("collection"):
                    row[column["name"]] = values
                elif len(values) > 1:
                    raise ValueError(f"column {column['name']} got {len(values)} values")
                else:
                    row[column["name"]] = values[0] if values else None
            parts.append([row])
        for child in select.get("select", []):
            parts.append(self.process(child, node, row_index))
        if "unionAll" in select:
            parts.append(
                [r for branch in select["unionAll"] for r in self.process(branch, node, row_index)]
            )
        return [{k: v for part in combo for k, v in part.items()} for combo in product(*parts)]


def evaluate(view: dict[str, Any], resources: list[dict[str, Any]]) -> list[Row]:
    """All rows of ``view`` over ``resources`` (Bundles flattened)."""
    oracle = Oracle(view)
    return [
        row
        for top in resources
        for resource, full_url, urns in flatten(top)
        for row in oracle.rows(resource, full_url, urns)
    ]
