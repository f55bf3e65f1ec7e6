"""Helpers for tests of generated pages: strict XML parsing and table extraction."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

XHTML = "{http://www.w3.org/1999/xhtml}"


def parse(path: Path) -> ET.Element:
    """Parse a page as XML (our pages are polyglot HTML5); raises on malformed markup."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>"), f"{path}: no HTML5 doctype"
    return ET.fromstring(text.removeprefix("<!DOCTYPE html>"))


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix(XHTML)


def by_id(root: ET.Element, element_id: str) -> ET.Element:
    for element in root.iter():
        if element.get("id") == element_id:
            return element
    raise AssertionError(f"no element with id {element_id!r}")


def table_rows(root: ET.Element, table_id: str) -> dict[str, list[str]]:
    """Body rows of a table keyed by their row header text, as cell texts (nbsp -> space)."""
    table = by_id(root, table_id)
    rows: dict[str, list[str]] = {}
    for tr in table.iter(f"{XHTML}tr"):
        cells = [c for c in tr if tag(c) in ("th", "td")]
        if not cells or cells[0].get("scope") != "row":
            continue
        rows[text(cells[0]).replace("\u00a0", " ")] = [
            text(c).replace("\u00a0", " ") for c in cells[1:]
        ]
    return rows


def ids(root: ET.Element) -> list[str]:
    return [e.get("id", "") for e in root.iter() if e.get("id")]


def parse_text(html: str) -> ET.Element:
    """Parse a page held in memory (see :func:`parse`)."""
    assert html.startswith("<!DOCTYPE html>"), "no HTML5 doctype"
    return ET.fromstring(html.removeprefix("<!DOCTYPE html>"))
