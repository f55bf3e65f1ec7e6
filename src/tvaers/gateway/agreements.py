"""Data agreements: what a recipient may receive, read from TOML and checked by JSON Schema.

The schema ships as ``tvaers/gateway/data/agreement.schema.json`` (printed by
``tvaers gateway recipients schema``). :class:`Agreement` is the checked, typed form;
:func:`widening` says what a change of agreement newly covers, so that the gateway can
queue those citizens' current state once (backfill).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from tvaers.errors import DefinitionError

IG_NAMES = ("care", "rehab", "prevention")


@cache
def schema() -> dict[str, Any]:
    """The agreement JSON Schema (draft 2020-12)."""
    text = (
        resources.files("tvaers.gateway").joinpath("data/agreement.schema.json").read_text("utf-8")
    )
    value: dict[str, Any] = json.loads(text)
    return value


@dataclass(frozen=True, slots=True)
class Agreement:
    """One recipient's agreement (see the schema for the meaning of each field)."""

    recipient_id: str
    name: str
    legal_basis: str
    identity: Literal["cpr", "pseudonym"]
    retention: str
    igs: tuple[str, ...]
    population: Literal["all", "list"]
    delivery: Literal["pull", "push"]
    push_url: str | None = None
    profiles: frozenset[str] = frozenset()  # empty: every profile
    codes: frozenset[str] = frozenset()  # empty: every code ("system|code")
    period_start: str | None = None  # YYYY-MM-DD, inclusive
    period_end: str | None = None  # exclusive

    @classmethod
    def from_document(
        cls, data: dict[str, Any], *, source: str = "<agreement>", check: bool = True
    ) -> Agreement:
        """Check ``data`` against the schema (unless it was checked when stored) and build it."""
        if check:
            check_document(data, source)
        scope, delivery = data["scope"], data["delivery"]
        start, end = scope.get("period_start"), scope.get("period_end")
        if start and end and date.fromisoformat(start) >= date.fromisoformat(end):
            raise DefinitionError("scope.period_start must be before period_end", location=source)
        return cls(
            recipient_id=data["recipient_id"],
            name=data["name"],
            legal_basis=data["legal_basis"],
            identity=data["identity"],
            retention=data["retention"],
            igs=tuple(ig for ig in IG_NAMES if ig in scope["igs"]),
            population=scope["population"],
            delivery=delivery["mode"],
            push_url=delivery.get("url"),
            profiles=frozenset(scope.get("profiles", ())),
            codes=frozenset(scope.get("codes", ())),
            period_start=start,
            period_end=end,
        )

    def document(self) -> dict[str, Any]:
        """The agreement as a schema-valid document (what is stored)."""
        scope: dict[str, Any] = {"igs": list(self.igs), "population": self.population}
        if self.profiles:
            scope["profiles"] = sorted(self.profiles)
        if self.codes:
            scope["codes"] = sorted(self.codes)
        if self.period_start:
            scope["period_start"] = self.period_start
        if self.period_end:
            scope["period_end"] = self.period_end
        delivery: dict[str, Any] = {"mode": self.delivery}
        if self.push_url:
            delivery["url"] = self.push_url
        return {
            "schema_version": 1, "recipient_id": self.recipient_id, "name": self.name,
            "legal_basis": self.legal_basis, "identity": self.identity,
            "retention": self.retention, "scope": scope, "delivery": delivery,
        }  # fmt: skip

    def in_period(self, timestamp: str | None) -> bool:
        """Is a report with this ``Bundle.timestamp`` inside the agreement's period?"""
        day = (timestamp or "")[:10]
        if self.period_start and (not day or day < self.period_start):
            return False
        return not (self.period_end and day and day >= self.period_end)


def check_document(data: Any, source: str) -> None:
    """Raise :class:`DefinitionError` naming the first schema violation's path."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DefinitionError(
            f"{where}: {first.message}{more}",
            location=source,
            hint="see `tvaers gateway recipients schema` and docs/gateway.md (Agreements)",
        )


def load_agreement(path: Path) -> Agreement:
    """Read and check an agreement TOML file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DefinitionError(f"agreement file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"invalid TOML: {exc}", location=str(path)) from exc
    return Agreement.from_document(data, source=str(path))


@dataclass(frozen=True, slots=True)
class Widening:
    """What a change from ``old`` to ``new`` makes newly visible."""

    everything: bool  # content of already covered citizens changes too: backfill all units
    reason: str


def widening(old: Agreement, new: Agreement) -> Widening:
    """Whether covered citizens' content widens (codes, profiles, identity), not just who."""
    if old.identity != new.identity:
        return Widening(True, "identity mode changed")
    if old.codes and (not new.codes or not new.codes <= old.codes):
        return Widening(True, "code set widened")
    if old.profiles and (not new.profiles or not new.profiles <= old.profiles):
        return Widening(True, "profile set widened")
    return Widening(False, "population, IGs or period")
