"""Per-validation state: options, the collected issues and the issue cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tvaers.fhir.outcome import Issue, Severity
from tvaers.terminology.cpr import CprMode
from tvaers.validation.messages import MESSAGES


class Capped(Exception):
    """Raised when the issue cap is reached; validation stops and adds a note."""


@dataclass(slots=True)
class Located:
    """A resource found while walking, for the rules that look across resources."""

    resource: dict[str, Any]
    path: str  # e.g. "Bundle.entry[3].resource"
    profile_urls: tuple[str, ...]  # the IG profiles it was validated against
    full_url: str | None = None


@dataclass(slots=True)
class Context:
    """Collects issues for one report; stops at ``cap`` by raising :class:`Capped`."""

    cpr_mode: CprMode = "dk-core"
    strict: bool = False
    cap: int = 500
    issues: list[Issue] = field(default_factory=list)
    resources: list[Located] = field(default_factory=list)

    def report(
        self, severity: Severity, kind: str, rule: str, expression: str | None, **params: Any
    ) -> None:
        """Add one issue built from the message template ``kind``."""
        message = MESSAGES[kind]
        self.add(
            Issue(
                severity,
                message.code,
                rule,
                message.en.format(**params),
                expression=expression,
                text_da=message.da.format(**params),
            )
        )

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)
        if len(self.issues) >= self.cap:
            raise Capped
