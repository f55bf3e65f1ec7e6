"""Parsing hostile JSON gives located errors; canonical hashing ignores key order and spacing."""

from __future__ import annotations

import pytest

from tvaers.fhir.jsonio import MAX_DEPTH, JsonError, canonical_json, content_hash, parse_json


def test_hash_ignores_key_order_and_whitespace() -> None:
    a = parse_json(b'{"b": 1, "a": [1, {"y": 2, "x": 3}]}')
    b = parse_json(b'{"a":[1,{"x":3,"y":2}],"b":1}')
    assert canonical_json(a) == b'{"a":[1,{"x":3,"y":2}],"b":1}'
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({"a": [1, {"x": 3, "y": 2}], "b": 2})


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        ('{"a": "æ"}'.encode("latin-1"), "not valid UTF-8"),
        (b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5), "nested"),
    ],
)
def test_bad_input_is_a_clear_error(data: bytes, fragment: str) -> None:
    with pytest.raises(JsonError) as info:
        parse_json(data, source="upload.json")
    assert fragment in str(info.value)
    assert "upload.json" in str(info.value)


def test_depth_limit_is_exact() -> None:
    def nested(levels: int) -> bytes:
        return b'{"a":' * (levels - 1) + b"[1]" + b"}" * (levels - 1)

    assert parse_json(nested(MAX_DEPTH)) is not None
    with pytest.raises(JsonError, match=f"nested {MAX_DEPTH + 1} levels"):
        parse_json(nested(MAX_DEPTH + 1))
    assert parse_json(b'"scalar"') == "scalar"
