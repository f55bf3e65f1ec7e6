"""Per-validation state: options, the collected issues and the issue cap."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tvaers.fhir.outcome import Issue, Severity
from tvaers.fhir.references import ReferenceIndex
from tvaers.terminology.cpr import CprMode
from tvaers.validation.messages import MESSAGES

_TEXTS: dict[tuple[Any, ...], tuple[str, str, str]] = {}
_UNSEEN: Any = object()


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
    index: ReferenceIndex | None = None  # the report being validated (None: standalone)
    entry_profiles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # type -> profiles
    strict_config: str | None = None
    conformance: dict[tuple[int, str], bool] = field(default_factory=dict)
    errors: int = 0  # error/fatal issues so far (strict rules not counted)
    impure: int = 0  # checks that depended on the report (references, %resource)
    errors_only: bool = False  # a conformsTo probe: keep only errors (cap 1: stop at the first)
    _resolved: dict[Any, Any] = field(default_factory=dict)  # per-report memo (see resolve)
    _resolved_in: ReferenceIndex | None = None

    def resolve(self, reference: str) -> dict[str, Any] | None:
        """The resource ``reference`` points at in the report being validated (memoised:
        every resource of a citizen points at the same Patient)."""
        index = self.index
        if index is None:
            return None
        if self._resolved_in is not index:
            self._resolved, self._resolved_in = {}, index
        found = self._resolved.get(reference, _UNSEEN)
        if found is _UNSEEN:
            found = self._resolved[reference] = index.resolve(reference)
        return found  # type: ignore[no-any-return]

    def self_reported(
        self,
        target: dict[str, Any],
        profiles: tuple[str, ...],
        test: Callable[[dict[str, Any], str, dict[str, tuple[str, ...]]], bool],
    ) -> bool:
        """Whether a resolved ``target`` is validated against one of ``profiles`` in this
        report anyway (``test``), memoised with the resolutions (targets repeat)."""
        key = (id(target), profiles)
        found = self._resolved.get(key) if self._resolved_in is self.index else None
        if found is None:
            found = any(test(target, url, self.entry_profiles) for url in profiles)
            if self._resolved_in is self.index:
                self._resolved[key] = found
        return bool(found)

    def conforms(self, resource: dict[str, Any], url: str) -> bool | None:
        """``conformsTo``: does ``resource`` validate against profile ``url`` without errors?

        Results are cached per report; the main pass records the profiles it already checked.
        The probe keeps only errors (warnings and information do not decide conformance)
        and stops at the first one.
        """
        key = (id(resource), url.split("|")[0])
        if key in self.conformance:
            return self.conformance[key]
        from tvaers.validation.engine import validate_as
        from tvaers.validation.tables import find_profile

        profile = find_profile(key[1])
        if profile is None:
            return None
        probe = Context(cpr_mode=self.cpr_mode, strict=False, cap=1, index=self.index,
                        conformance=self.conformance, errors_only=True)  # fmt: skip
        self.conformance[key] = True  # guards against a profile that tests itself
        with contextlib.suppress(Capped):
            validate_as(resource, profile, profile.type, probe)
        self.conformance[key] = probe.errors == 0
        return self.conformance[key]

    def report(
        self, severity: Severity, kind: str, rule: str, expression: str | None, **params: Any
    ) -> None:
        """Add one issue built from the message template ``kind``."""
        if self.errors_only and severity not in ("error", "fatal"):
            return
        key = (kind, *params.items())
        texts = _TEXTS.get(key)
        if texts is None:
            message = MESSAGES[kind]
            texts = (message.code, message.en.format(**params), message.da.format(**params))
            if len(_TEXTS) < 20_000:  # the same findings recur (information on every resource)
                _TEXTS[key] = texts
        self.add(Issue(severity, texts[0], rule, texts[1], expression=expression, text_da=texts[2]))

    def add(self, issue: Issue) -> None:
        error = issue.severity in ("error", "fatal") and not issue.rule.startswith("strict:")
        if self.errors_only and not error:
            return  # a conformsTo probe: only errors decide, the first one ends it
        self.issues.append(issue)
        if error:
            self.errors += 1  # strict rules are policy on top: they do not decide conformsTo
        if len(self.issues) >= self.cap:
            raise Capped
