"""Column types: FHIR type codes, their Arrow types, and value conversion.

Mapping (documented in ``docs/views.md``):

==========================================  ===========================================
FHIR type                                   Arrow type
==========================================  ===========================================
boolean                                     bool
integer, positiveInt, unsignedInt,          int64
integer64
decimal                                     decimal128(38, 9) (rounded half-even)
date, dateTime, instant, time               string, as written (partial dates kept)
string, code, id, uri, url, ... (others)    string
complex types (Coding, Reference, ...)      string holding the element's JSON
==========================================  ===========================================

A column tag ``ansi/type`` asks for a database type instead: ``DATE`` (date32),
``TIMESTAMP`` (timestamp[us, UTC]), ``BIGINT``/``INTEGER``, ``DECIMAL(p,s)``, ``BOOLEAN``,
``VARCHAR``. Partial dates become their low boundary (``2024-03`` -> 2024-03-01), the
convention the FHIRPath ``lowBoundary()`` function uses. ``collection: true`` makes a
list of the element type.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import orjson
import pyarrow as pa

from tvaers.fhir.fhirpath import Quantity, Temporal, model
from tvaers.fhir.fhirpath.temporal import low_boundary, parse_date, parse_datetime, parse_time

COLUMN_TYPES: frozenset[str] = model.DATA_TYPES | {"Resource", "BackboneElement", "Element"}
DECIMAL_TYPE = pa.decimal128(38, 9)
_SCALE = Decimal(1).scaleb(-9)
_ANSI_DECIMAL = re.compile(r"^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$", re.IGNORECASE)


def normalise_type(declared: str) -> str:
    """``http://hl7.org/fhirpath/System.String`` / ``.../StructureDefinition/date`` -> code."""
    name = declared.rsplit("/", 1)[-1]
    return model.split_type_name(name)


def constant_value(key: str, value: Any) -> Any:
    """The FHIRPath value of a constant's ``value[x]`` (dates become temporal values)."""
    fhir_type = key[5:6].lower() + key[6:]
    if fhir_type not in model.PRIMITIVE_TYPES:
        raise ValueError(
            f"{key!r} is not a primitive value[x] (expected e.g. valueString, valueDate)"
        )
    if fhir_type == "boolean":
        if type(value) is not bool:
            raise ValueError(f"{key} must be true or false")
        return value
    if fhir_type in model.INTEGER_TYPES:
        if type(value) is not int:
            raise ValueError(f"{key} must be an integer")
        return value
    if fhir_type == "decimal":
        if type(value) not in (int, float):
            raise ValueError(f"{key} must be a number")
        return Decimal(repr(value)) if type(value) is float else Decimal(value)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    if fhir_type in model.TEMPORAL_TYPES:
        parser = {"date": parse_date, "time": parse_time}.get(fhir_type, parse_datetime)
        parsed = parser(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not a valid FHIR {fhir_type}")
        return parsed
    return value


def _ansi_type(column_tags: tuple[tuple[str, str], ...]) -> str | None:
    for name, value in column_tags:
        if name == "ansi/type":
            return value.strip().upper()
    return None


def arrow_type(
    fhir_type: str, tags: tuple[tuple[str, str], ...] = (), collection: bool = False
) -> pa.DataType:
    """The Arrow type of a column."""
    base = _base_arrow_type(fhir_type, _ansi_type(tags))
    return pa.list_(base) if collection else base


def _base_arrow_type(fhir_type: str, ansi: str | None) -> pa.DataType:
    if ansi is not None:
        match = _ANSI_DECIMAL.match(ansi)
        if match:
            return pa.decimal128(int(match.group(1)), int(match.group(2)))
        named = {
            "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us", tz="UTC"),
            "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"), "BIGINT": pa.int64(),
            "INTEGER": pa.int32(), "INT": pa.int32(), "BOOLEAN": pa.bool_(), "VARCHAR": pa.string(),
            "DOUBLE": pa.float64(), "FLOAT": pa.float64(),
        }  # fmt: skip
        if ansi in named:
            return named[ansi]
        raise ValueError(f"unsupported ansi/type {ansi!r}")
    if fhir_type == "boolean":
        return pa.bool_()
    if fhir_type in model.INTEGER_TYPES:
        return pa.int64()
    if fhir_type == "decimal":
        return DECIMAL_TYPE
    return pa.string()


def check_tags(tags: tuple[tuple[str, str], ...]) -> str | None:
    """An error message when an ``ansi/type`` tag is unsupported, else None."""
    try:
        _base_arrow_type("string", _ansi_type(tags))
    except ValueError as exc:
        return str(exc)
    return None


Converter = Callable[[Any], Any]


def converter(arrow: pa.DataType) -> Converter:
    """A function turning one FHIRPath value into a Python value Arrow accepts.

    Raises ``ValueError`` (with a message naming the value) when it does not fit.
    """
    if pa.types.is_list(arrow):
        inner = converter(arrow.value_type)
        return lambda values: [inner(v) for v in values]
    if pa.types.is_string(arrow):
        return to_string
    if pa.types.is_boolean(arrow):
        return _to_bool
    if pa.types.is_integer(arrow):
        return _to_int
    if pa.types.is_decimal(arrow):
        scale = Decimal(1).scaleb(-arrow.scale)
        return lambda v: _to_decimal(v, scale)
    if pa.types.is_floating(arrow):
        return lambda v: float(_to_decimal(v, None))
    if pa.types.is_date(arrow):
        return _to_date
    if pa.types.is_timestamp(arrow):
        return _to_timestamp
    raise ValueError(f"no converter for {arrow}")


def to_string(value: Any) -> str:
    """Text of a value for a string column (elements as compact JSON)."""
    if isinstance(value, str):
        return value
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is Temporal or kind is Quantity or kind is int or kind is Decimal:
        return str(value)
    if kind is float:
        return repr(value)
    return orjson.dumps(value, default=str).decode()


def _to_bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    raise ValueError(f"{_show(value)} is not a boolean")


def _to_int(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) in (float, Decimal) and value == int(value):
        return int(value)
    raise ValueError(f"{_show(value)} is not an integer")


def _to_decimal(value: Any, scale: Decimal | None) -> Decimal:
    if type(value) is bool or type(value) not in (int, float, Decimal):
        raise ValueError(f"{_show(value)} is not a decimal")
    number = Decimal(repr(value)) if type(value) is float else Decimal(value)
    try:
        return number.quantize(scale or _SCALE, rounding=ROUND_HALF_EVEN) if scale else number
    except InvalidOperation:
        raise ValueError(f"{_show(value)} does not fit the decimal column") from None


def _temporal(value: Any) -> Temporal:
    parsed = (
        value if type(value) is Temporal else parse_datetime(value) if type(value) is str else None
    )
    if parsed is None:
        raise ValueError(f"{_show(value)} is not a date or dateTime")
    return parsed


def _to_date(value: Any) -> dt.date:
    low = low_boundary(_temporal(value))
    return dt.date(*low.parts[:3])


def _to_timestamp(value: Any) -> dt.datetime:
    value = _temporal(value)
    low = low_boundary(value)
    year, month, day, hour, minute, second, micro = low.parts
    offset = dt.timedelta(minutes=value.tz or 0)  # no offset given: read as UTC
    stamp = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=dt.UTC)
    return stamp - offset


def _show(value: Any) -> str:
    text = to_string(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")
