"""One error shape per surface: OperationOutcome under ``/fhir``, problem+json under ``/admin``.

Every refusal is an :class:`ApiError`; the handlers installed by :func:`install` render it
(and Starlette's own 404/405, request-validation errors and unexpected exceptions) in the
shape of the surface the request was for. Messages never contain CPR numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tvaers.fhir.jsonio import dumps
from tvaers.fhir.outcome import error_outcome

FHIR_JSON = "application/fhir+json"
PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("tvaers.gateway")

#: Default (rule key, FHIR issue code, Danish text) per HTTP status.
STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("http:bad-request", "invalid", "Forespørgslen er ugyldig"),
    401: ("http:unauthorized", "login", "Manglende eller ugyldig adgangsnøgle (bearer token)"),
    403: ("http:forbidden", "forbidden", "Klienten har ikke adgang til dette"),
    404: ("http:not-found", "not-found", "Ressourcen findes ikke"),
    405: ("http:method-not-allowed", "not-supported", "Metoden understøttes ikke her"),
    409: ("gateway:conflict", "conflict", "Konflikt med en allerede modtaget leveringsrapport"),
    413: ("http:too-large", "too-costly", "Forespørgslen er for stor"),
    415: ("http:unsupported-media-type", "not-supported", "Indholdstypen understøttes ikke"),
    422: ("http:unprocessable", "processing", "Indholdet kan ikke behandles"),
    429: ("http:too-many-requests", "throttled", "For mange forespørgsler; prøv igen senere"),
    500: ("http:internal", "exception", "Intern fejl i gatewayen"),
    503: ("http:unavailable", "transient", "Gatewayen er midlertidigt utilgængelig"),
}


class ApiError(Exception):
    """A refused request: status, an English message, and optionally a full outcome."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        rule: str | None = None,
        text_da: str | None = None,
        code: str | None = None,
        expression: str | None = None,
        headers: Mapping[str, str] | None = None,
        outcome: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        default_rule, default_code, default_da = STATUS_TEXT.get(status, STATUS_TEXT[500])
        self.status = status
        self.message = message
        self.rule = rule or default_rule
        self.code = code or default_code
        self.text_da = text_da or default_da
        self.expression = expression
        self.headers = dict(headers or {})
        self.outcome = outcome

    def fhir(self) -> dict[str, Any]:
        if self.outcome is not None:
            return self.outcome
        return error_outcome(
            self.message,
            code=self.code,
            rule=self.rule,
            text_da=self.text_da,
            expression=self.expression,
        )

    def problem(self, instance: str) -> dict[str, Any]:
        """RFC 9457 problem details."""
        return {
            "type": f"urn:tvaers:problem:{self.rule}",
            "title": self.text_da,
            "status": self.status,
            "detail": self.message,
            "instance": instance,
        }


def fhir_json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A FHIR JSON response (serialised by orjson: feed pages and searches are large)."""
    return Response(dumps(body), status_code=status, headers=headers, media_type=FHIR_JSON)


def render(request: Request, error: ApiError) -> Response:
    """Render ``error`` in the shape of the request's surface."""
    if request.url.path.startswith("/admin"):
        return JSONResponse(
            error.problem(request.url.path),
            status_code=error.status,
            headers=error.headers,
            media_type=PROBLEM_JSON,
        )
    return fhir_json(error.status, error.fhir(), error.headers)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return render(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"no such endpoint: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return render(request, ApiError(exc.status_code, message, headers=headers))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        parts.append(f"{where}: {item.get('msg')}")
    return render(request, ApiError(400, "invalid request: " + "; ".join(parts)))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return render(request, ApiError(500, "internal error; the request was not completed"))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
