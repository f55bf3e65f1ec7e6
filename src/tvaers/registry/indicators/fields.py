"""The fields a definition may name: columns of the flat municipal tables and their kinds.

A flat table is a shipped ViewDefinition (``src/tvaers/registry/views``) plus the columns
the registry adds (docs/registry.md). Kinds: ``date`` (FHIR date/dateTime, stored as
DATE), ``list`` (a collection column), ``bool``, ``text`` (everything else).
"""

from __future__ import annotations

from functools import cache

#: Stored columns a definition never names directly (identity and version bookkeeping).
HIDDEN = frozenset({"cpr", "pid", "known_from", "known_to", "invalid"})


@cache
def table_fields(table: str) -> dict[str, str] | None:
    """Usable columns of a flat table (name -> kind), or None for an unknown table."""
    import pyarrow as pa

    from tvaers.registry.flatten import shipped_views, table_schema

    views = shipped_views()
    if table not in views:
        return None
    schema = table_schema(views[table])
    out: dict[str, str] = {}
    for f in schema:
        if f.name in HIDDEN:
            continue
        if pa.types.is_date(f.type):
            out[f.name] = "date"
        elif pa.types.is_list(f.type):
            out[f.name] = "list"
        elif pa.types.is_boolean(f.type):
            out[f.name] = "bool"
        else:
            out[f.name] = "text"
    return out


def common_fields(tables: tuple[str, ...]) -> dict[str, str]:
    """Columns (with the same kind) present in every one of ``tables``."""
    found = [table_fields(t) or {} for t in tables]
    first = found[0] if found else {}
    return {n: k for n, k in first.items() if all(f.get(n) == k for f in found[1:])}
