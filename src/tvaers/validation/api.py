"""The public validation API used by the CLI, the gateway and the generator.

``validate_bytes`` takes raw request bytes and never raises for bad input: every problem
becomes an issue of the returned :class:`ValidationResult`, whose ``outcome()`` is the FHIR
OperationOutcome. ``validate_report`` takes an already parsed resource. ``rule_catalogue``
lists every rule key with family, IG, severity, templates and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tvaers.errors import InputError
from tvaers.fhir.jsonio import MAX_DEPTH, parse_json
from tvaers.fhir.outcome import Issue, has_errors, operation_outcome
from tvaers.terminology.cpr import CprMode
from tvaers.validation.catalogue import Rule, rule_catalogue
from tvaers.validation.context import Context
from tvaers.validation.engine import run
from tvaers.validation.messages import MESSAGES
from tvaers.validation.tables import IgName

__all__ = [
    "IgName",
    "Rule",
    "ValidationOptions",
    "ValidationResult",
    "rule_catalogue",
    "validate_bytes",
    "validate_report",
]

#: Default size limit of one report (a delivery report is one citizen's changes: kilobytes).
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ValidationOptions:
    """How to validate: CPR syntax mode, strict post-transition rules, issue cap.

    ``ig`` forces the IG when a report declares no profile; ``max_bytes`` bounds the input.
    """

    cpr_mode: CprMode = "dk-core"
    strict: bool = False
    max_issues: int = 500
    ig: IgName | None = None
    max_bytes: int = MAX_BYTES
    strict_config: str | None = None  # a strict.toml to use instead of the shipped one


@dataclass(slots=True)
class ValidationResult:
    """Issues found in one report (or resource); ``valid`` = no error/fatal issue."""

    issues: list[Issue] = field(default_factory=list)
    ig: IgName | None = None
    resource: dict[str, Any] | None = None  # the parsed input, when it parsed

    @property
    def valid(self) -> bool:
        return not has_errors(self.issues)

    @property
    def errors(self) -> list[Issue]:
        """The ``error`` and ``fatal`` issues."""
        return [issue for issue in self.issues if issue.is_error]

    def rules(self, *, errors_only: bool = True) -> list[str]:
        """Rule keys of the issues (by default only errors), in order."""
        return [i.rule for i in self.issues if i.is_error or not errors_only]

    def outcome(self) -> dict[str, Any]:
        """The FHIR OperationOutcome for this result."""
        return operation_outcome(self.issues, ok_text="Report is valid")


def _fatal(kind: str, rule: str, **params: Any) -> ValidationResult:
    message = MESSAGES[kind]
    issue = Issue(
        "fatal",
        message.code,
        rule,
        message.en.format(**params),
        text_da=message.da.format(**params),
    )
    return ValidationResult([issue])


def validate_bytes(
    data: bytes, options: ValidationOptions | None = None, *, source: str = "<input>"
) -> ValidationResult:
    """Parse and validate raw bytes; never raises for bad input."""
    options = options or ValidationOptions()
    if not isinstance(data, bytes | bytearray | memoryview):
        return _fatal(
            "json.parse", "json:parse", detail=f"expected bytes, got {type(data).__name__}"
        )
    data = bytes(data)
    if len(data) > options.max_bytes:
        return _fatal("json.too-large", "json:too-large", size=len(data), limit=options.max_bytes)
    if data.startswith(b"\xef\xbb\xbf") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _fatal(
            "json.encoding", "json:encoding", detail="input starts with a byte-order mark"
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _fatal("json.encoding", "json:encoding", detail=f"not UTF-8 at byte {exc.start}")
    try:
        resource = parse_json(data, source=source)
    except InputError as exc:
        if any(word in exc.message for word in ("nested", "recursion", "depth limit")):
            return _fatal(
                "json.too-deep", "json:too-deep", detail=f"{exc.message} (max {MAX_DEPTH})"
            )
        return _fatal("json.parse", "json:parse", detail=exc.message)
    except RecursionError:
        return _fatal("json.too-deep", "json:too-deep", detail=f"nested deeper than {MAX_DEPTH}")
    return validate_report(resource, options)


def validate_report(resource: Any, options: ValidationOptions | None = None) -> ValidationResult:
    """Validate a parsed delivery report (or a standalone resource of the IGs)."""
    options = options or ValidationOptions()
    ctx = Context(
        cpr_mode=options.cpr_mode,
        strict=options.strict,
        cap=max(1, options.max_issues),
        strict_config=options.strict_config,
    )
    ig = run(resource, ctx, options.ig)
    return ValidationResult(
        ctx.issues, ig=ig, resource=resource if isinstance(resource, dict) else None
    )
