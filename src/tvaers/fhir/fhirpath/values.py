"""FHIRPath values and the operators' type rules: equality, equivalence, ordering, types.

Items in a collection are plain JSON values as parsed (``dict``, ``str``, ``bool``, ``int``,
``float``) plus :class:`~decimal.Decimal` (literals, arithmetic), :class:`Temporal` (date
literals, constants, boundaries) and :class:`Quantity`. JSON strings are read as dates or
times only where the other operand is one (no model of FHIR element types is needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tvaers.fhir.fhirpath import model
from tvaers.fhir.fhirpath.temporal import (
    Temporal,
    coerce,
    compare,
    parse_date,
    parse_datetime,
    parse_time,
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A FHIRPath quantity literal (``4 'mg'``, ``2 days``)."""

    value: Decimal
    unit: str

    def __str__(self) -> str:
        return f"{self.value} '{self.unit}'"


def is_number(value: object) -> bool:
    """True for integers and decimals (never for booleans)."""
    kind = type(value)
    return kind is int or kind is float or kind is Decimal


def to_decimal(value: Any) -> Decimal:
    """Exact decimal of a number; floats go through their shortest repr (``1.2`` stays 1.2)."""
    if type(value) is float:
        return Decimal(repr(value))
    return value if type(value) is Decimal else Decimal(value)


def quantity_of(value: Any) -> Quantity | None:
    """A FHIR Quantity element (dict with ``value``) or a Quantity literal, else None."""
    if type(value) is Quantity:
        return value
    if type(value) is dict and is_number(value.get("value")):
        unit = value.get("code") or value.get("unit") or "1"
        return Quantity(to_decimal(value["value"]), str(unit))
    return None


def _temporal_pair(a: Any, b: Any) -> tuple[Temporal, Temporal] | None:
    if type(a) is Temporal:
        other = coerce(b, a.kind)
        return (a, other) if other is not None else None
    if type(b) is Temporal:
        other = coerce(a, b.kind)
        return (other, b) if other is not None else None
    return None


def equal(a: Any, b: Any) -> bool | None:
    """FHIRPath ``=`` on two single items: True, False or None (unknown)."""
    ta, tb = type(a), type(b)
    if ta is str and tb is str:
        return bool(a == b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if is_number(a) and is_number(b):
        return to_decimal(a) == to_decimal(b)
    if ta is Temporal or tb is Temporal:
        pair = _temporal_pair(a, b)
        if pair is None:
            return False
        result = compare(*pair)
        return None if result is None else result == 0
    if ta is dict and tb is dict:
        return _json_equal(a, b)
    if ta is Quantity or tb is Quantity:
        qa, qb = quantity_of(a), quantity_of(b)
        if qa is None or qb is None:
            return False
        return qa == qb if qa.unit == qb.unit else None
    return False


def _json_equal(a: Any, b: Any) -> bool:
    if type(a) is dict and type(b) is dict:
        keys = a.keys()
        return keys == b.keys() and all(_json_equal(a[k], b[k]) for k in keys)
    if type(a) is list and type(b) is list:
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    result = equal(a, b)
    return bool(result)


def equivalent(a: Any, b: Any) -> bool:
    """FHIRPath ``~``: case- and whitespace-insensitive strings, unknown counts as false."""
    if type(a) is str and type(b) is str:
        return " ".join(a.lower().split()) == " ".join(b.lower().split())
    if is_number(a) and is_number(b):
        da, db = to_decimal(a), to_decimal(b)
        places = min(-da.as_tuple().exponent, -db.as_tuple().exponent)  # type: ignore[operator]
        return round(da, max(places, 0)) == round(db, max(places, 0))
    if type(a) is Temporal or type(b) is Temporal:
        pair = _temporal_pair(a, b)
        return pair is not None and compare(*pair) == 0 and pair[0].precision == pair[1].precision
    return bool(equal(a, b))


def order(a: Any, b: Any) -> int | None:
    """Compare two single items for ``< <= > >=``: -1/0/1, None if unknown.

    Raises TypeError when the two are not comparable (e.g. a string and a number).
    """
    ta, tb = type(a), type(b)
    if ta is str and tb is str:
        return int((a > b) - (a < b))
    if is_number(a) and is_number(b) and ta is not bool and tb is not bool:
        da, db = to_decimal(a), to_decimal(b)
        return (da > db) - (da < db)
    if ta is Temporal or tb is Temporal:
        pair = _temporal_pair(a, b)
        if pair is None:
            raise TypeError(f"cannot compare {describe(a)} with {describe(b)}")
        return compare(*pair)
    qa, qb = quantity_of(a), quantity_of(b)
    if qa is not None and qb is not None:
        if qa.unit != qb.unit:
            return None
        return (qa.value > qb.value) - (qa.value < qb.value)
    raise TypeError(f"cannot compare {describe(a)} with {describe(b)}")


def describe(value: Any) -> str:
    """Short type description for error messages."""
    if type(value) is dict:
        return value.get("resourceType", "element") if "resourceType" in value else "element"
    if type(value) is Temporal:
        return value.kind
    return {
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "decimal",
        Decimal: "decimal",
    }.get(type(value), type(value).__name__)


def matches_type(value: Any, type_name: str) -> bool:
    """Whether a value of unknown declared type can be of FHIR/System type ``type_name``.

    Used by ``ofType``/``is``/``as`` when navigation did not tell the type (typed choice
    elements like ``valueQuantity`` are resolved by key before this is reached).
    """
    return is_instance(value, model.split_type_name(type_name))


def is_instance(value: Any, name: str) -> bool:
    """:func:`matches_type` for a type name already split (``Quantity``, ``string``)."""
    kind = type(value)
    if kind is dict:
        if value.get("resourceType") == name:
            return True
        return name in ("Resource", "DomainResource") and "resourceType" in value
    if kind is bool:
        return name == "boolean"
    if kind is int:
        return name in model.INTEGER_TYPES or name == "decimal"
    if kind is float or kind is Decimal:
        return name == "decimal"
    if kind is Temporal:
        return name == value.kind or (name == "instant" and value.kind == "dateTime")
    if kind is Quantity:
        return name == "Quantity"
    if kind is str:
        if name in model.STRING_TYPES:
            return True
        if name == "date":
            return parse_date(value) is not None
        if name in ("dateTime", "instant"):
            return parse_datetime(value) is not None
        if name == "time":
            return parse_time(value) is not None
    return False


def to_text(value: Any) -> str | None:
    """FHIRPath ``toString()``-style text of a primitive; None for elements."""
    if isinstance(value, str):
        return value
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return repr(value)
    if kind is int or kind is Decimal or kind is Temporal or kind is Quantity:
        return str(value)
    return None
