"""KL code systems (FSIII, CareSocialCodes, FFB, FBOE, LTT, NPU, ...) per kl-term version.

Lookups of codes, displays and the is-a hierarchy. Facts only; no definitions or prose.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tvaers.terminology.tables import LATEST, check_version, raw

FSIII = "urn:oid:1.2.208.176.2.21"
CARE_SOCIAL_CODES = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
FFB = "urn:oid:1.2.208.176.2.22"
FBOE = "http://fhir.kl.dk/term/CodeSystem/FBOE"
LTT = "http://fhir.kl.dk/term/CodeSystem/LTT"
NPU = "urn:oid:1.2.208.176.2.1"


@dataclass(frozen=True, slots=True)
class Concept:
    """One code of a code system version."""

    system: str
    code: str
    display: str
    parent: str | None


class CodeSystemVersion:
    """The concepts of one code system in one kl-term version."""

    def __init__(self, system: str, version: str, concepts: dict[str, Concept]):
        self.system = system
        self.version = version
        self._concepts = concepts
        self._children: dict[str | None, list[str]] = {}
        for concept in concepts.values():
            self._children.setdefault(concept.parent, []).append(concept.code)

    def __contains__(self, code: object) -> bool:
        return code in self._concepts

    def __len__(self) -> int:
        return len(self._concepts)

    def get(self, code: str) -> Concept | None:
        """The concept for ``code``, or None."""
        return self._concepts.get(code)

    def display(self, code: str) -> str | None:
        concept = self._concepts.get(code)
        return concept.display if concept else None

    def codes(self) -> list[str]:
        return list(self._concepts)

    def children(self, code: str | None) -> list[str]:
        """Direct children of ``code`` (``None``: the roots)."""
        return list(self._children.get(code, ()))

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, ... of ``code`` (nearest first)."""
        out: list[str] = []
        concept = self._concepts.get(code)
        while concept is not None and concept.parent is not None and concept.parent not in out:
            out.append(concept.parent)
            concept = self._concepts.get(concept.parent)
        return out

    def is_a(self, code: str, ancestor: str) -> bool:
        """True if ``code`` is ``ancestor`` or one of its descendants."""
        return code == ancestor or ancestor in self.ancestors(code)


def systems() -> list[str]:
    """URLs of the shipped code systems."""
    return sorted(raw()["code_systems"])


@cache
def code_system(system: str, version: str = LATEST) -> CodeSystemVersion | None:
    """A shipped code system in a kl-term version, or None if not shipped (in that version)."""
    check_version(version)
    data = raw()
    entry = data["code_systems"].get(system)
    if entry is None or version not in entry["versions"]:
        return None
    codes = data["code_lists"][system]
    concepts = {}
    for index, display, parent in data["concept_tables"][entry["versions"][version]]:
        code = codes[index]
        concepts[code] = Concept(system, code, display, codes[parent] if parent >= 0 else None)
    return CodeSystemVersion(system, version, concepts)


def display(system: str, code: str, version: str = LATEST) -> str | None:
    """The display of ``code`` in ``system`` (``version``), or None if unknown."""
    cs = code_system(system, version)
    return cs.display(code) if cs else None
