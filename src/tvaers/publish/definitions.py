"""Indicator metadata for reports: title, rationale, evidence, standard, data elements.

The registry's YAML definitions are the source (``docs/contracts.md``, Files: definitions).
This reader is tolerant on purpose: it takes the fields reports need and ignores the rest
(population rules, SQL parameters), so that it keeps working while the definition schema
grows. An indicator without a definition is still published, with its id as its title.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tvaers.errors import DefinitionError

PILOT_LABEL = "tværsektoriel pilotindikator"
KIND_LABELS = {"process": "Procesindikator", "outcome": "Resultatindikator"}


@dataclass(frozen=True, slots=True)
class DataElement:
    """A data element an indicator needs; ``supplementary`` ones are extra registration."""

    name: str
    source: str
    supplementary: bool


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    """What a reader needs to understand one indicator."""

    database: str
    indicator: str
    title: str
    kind: str = ""  # process / outcome
    description: str = ""
    numerator: str = ""
    denominator: str = ""
    exclusions: str = ""
    uoplyst: str = ""
    rationale: str = ""
    evidence_level: str = ""
    evidence: str = ""
    references: tuple[str, ...] = ()
    standard_text: str = ""
    standard_set_by: str = ""
    standard_direction: str | None = None
    uoplyst_in_denominator: bool = False
    pilot: bool = False
    note: str = ""
    data_elements: tuple[DataElement, ...] = ()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def burden(self) -> int:
        """The registration burden: how many data elements need supplementary registration."""
        return sum(1 for e in self.data_elements if e.supplementary)

    @property
    def existing_elements(self) -> tuple[DataElement, ...]:
        return tuple(e for e in self.data_elements if not e.supplementary)

    @property
    def supplementary_elements(self) -> tuple[DataElement, ...]:
        return tuple(e for e in self.data_elements if e.supplementary)


@dataclass(slots=True)
class DatabaseInfo:
    """A quality database: its title and its indicators' metadata."""

    database: str
    title: str
    description: str = ""
    indicators: dict[str, IndicatorInfo] = field(default_factory=dict)


@dataclass(slots=True)
class Catalogue:
    """Metadata of every database found; unknown ids get a minimal stand-in."""

    databases: dict[str, DatabaseInfo] = field(default_factory=dict)

    def database(self, database: str) -> DatabaseInfo:
        return self.databases.get(database) or DatabaseInfo(database, database)

    def indicator(self, database: str, indicator: str) -> IndicatorInfo:
        found = self.database(database).indicators.get(indicator)
        return found or IndicatorInfo(database, indicator, indicator)

    def add_missing(self, database: str, indicator: str, title: str) -> None:
        """Register an indicator known only from the results (its ``title`` column)."""
        info = self.databases.setdefault(database, DatabaseInfo(database, database))
        if indicator not in info.indicators:
            info.indicators[indicator] = IndicatorInfo(database, indicator, title or indicator)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("da") or value.get("text") or value.get("description"))
    return str(value).strip()


def _first(mapping: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


def _elements(raw: Any) -> tuple[DataElement, ...]:
    """Accept a list of {name, source, kind|supplementary} or {existing: [...], supplementary: [...]}."""
    if isinstance(raw, dict):
        items = [
            {
                "name": _text(e.get("name") if isinstance(e, dict) else e),
                "kind": kind,
                **(e if isinstance(e, dict) else {}),
            }
            for kind in ("existing", "supplementary")
            for e in raw.get(kind) or []
        ]
    else:
        items = [e if isinstance(e, dict) else {"name": e} for e in raw or []]
    out = []
    for item in items:
        kind = _text(_first(item, "kind", "registration", "type")).lower()
        supplementary = bool(item.get("supplementary")) or kind.startswith("supp")
        source = _text(_first(item, "source", "kilde"))
        out.append(DataElement(_text(_first(item, "name", "element", "id")), source, supplementary))
    return tuple(out)


def _is_pilot(raw: dict[str, Any]) -> bool:
    if raw.get("pilot") is not None:
        return bool(raw["pilot"])
    labels = " ".join(_text(raw.get(k)) for k in ("label", "origin", "status", "labels")).lower()
    return "pilot" in labels


def _standard_text(standard: dict[str, Any]) -> str:
    """The standard's own text, else "≥ 90 %" from direction and a numeric value."""
    text = _text(_first(standard, "text", "label"))
    value = standard.get("value")
    if text or not isinstance(value, int | float):
        return text
    symbol = {"<=": "≤", ">=": "≥"}.get(_text(standard.get("direction")), "")
    percent = f"{value * 100:g}".replace(".", ",")
    return f"{symbol} {percent} %".strip()


def _direction(raw: dict[str, Any], standard: dict[str, Any]) -> str | None:
    direction = _text(standard.get("direction"))
    if direction:
        return direction
    return {"higher": ">=", "lower": "<="}.get(_text(raw.get("better")))


def _resolve(value: Any, parameters: dict[str, Any]) -> Any:
    """A ``$name`` reference replaced by the definition's parameter (as the registry does)."""
    if isinstance(value, str) and value.startswith("$"):
        return parameters.get(value[1:], value)
    return value


def indicator_from_mapping(
    database: str, raw: dict[str, Any], parameters: dict[str, Any] | None = None
) -> IndicatorInfo:
    """Build :class:`IndicatorInfo` from one indicator entry of a definition file."""
    evidence = raw.get("evidence")
    evidence_map = evidence if isinstance(evidence, dict) else {"text": evidence}
    standard = raw.get("standard")
    standard_map = standard if isinstance(standard, dict) else {"text": standard}
    standard_map = {k: _resolve(v, parameters or {}) for k, v in standard_map.items()}
    refs = evidence_map.get("references") or raw.get("references") or []
    return IndicatorInfo(
        database=database,
        indicator=_text(_first(raw, "id", "indicator")),
        title=_text(_first(raw, "title", "name")) or _text(raw.get("id")),
        kind=_text(_first(raw, "type", "kind")),
        description=_text(_first(raw, "description", "definition")),
        numerator=_text(_first(raw, "numerator_text", "numerator_description")),
        denominator=_text(_first(raw, "denominator_text", "denominator_description")),
        exclusions=_text(_first(raw, "exclusions_text", "exclusion_description")),
        uoplyst=_text(_first(raw, "uoplyst_text", "uoplyst_description")),
        rationale=_text(raw.get("rationale")),
        evidence_level=_text(evidence_map.get("level")),
        evidence=_text(_first(evidence_map, "text", "summary", "description")),
        references=tuple(_text(r) for r in refs),
        standard_text=_standard_text(standard_map),
        standard_set_by=_text(_first(standard_map, "set_by", "source")),
        standard_direction=_direction(raw, standard_map),
        uoplyst_in_denominator=bool(raw.get("uoplyst_in_denominator")),
        pilot=_is_pilot(raw),
        note=_text(raw.get("note")),
        data_elements=_elements(_first(raw, "data_elements", "elements")),
    )


def database_from_mapping(raw: dict[str, Any], where: str) -> DatabaseInfo:
    """Build :class:`DatabaseInfo` from a parsed definition file."""
    db = raw.get("database")
    db_map = db if isinstance(db, dict) else {"id": db}
    database_id = _text(_first(db_map, "id", "code")) or _text(raw.get("id"))
    if not database_id:
        raise DefinitionError("definition has no database id", location=where)
    info = DatabaseInfo(
        database=database_id,
        title=_text(_first(db_map, "title", "name")) or _text(raw.get("title")) or database_id,
        description=_text(_first(db_map, "description")) or _text(raw.get("description")),
    )
    for item in raw.get("indicators") or []:
        indicator = indicator_from_mapping(database_id, item, raw.get("parameters") or {})
        info.indicators[indicator.indicator] = indicator
    return info


def shipped_definitions() -> Path | None:
    """The registry's shipped definition folder (``tvaers.registry.definitions``), if any."""
    from importlib import resources

    try:
        folder = Path(str(resources.files("tvaers.registry.definitions")))
    except ModuleNotFoundError:
        return None
    return folder if folder.is_dir() else None


def read_catalogue(folder: Path | None) -> Catalogue:
    """Read every ``*.yaml``/``*.yml`` definition in ``folder`` (missing folder: empty)."""
    import yaml

    catalogue = Catalogue()
    if folder is None or not folder.is_dir():
        return catalogue
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            raise DefinitionError(f"invalid YAML: {exc}", location=where) from exc
        if not isinstance(raw, dict):
            continue
        info = database_from_mapping(raw, str(path))
        catalogue.databases[info.database] = info
    return catalogue
