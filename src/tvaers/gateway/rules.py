"""The gateway's own rule keys (``gateway:*``, ``http:*``), for the rule catalogue.

The validator's rules come from :mod:`tvaers.validation`; these are the refusals the
gateway adds on top (identity, citizen, scope, HTTP). Keys are API: never rename one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class GatewayRule:
    key: str
    family: str
    severity: str
    http_status: int
    message_en: str
    message_da: str
    how_to_fix: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ig": None, "how_to_fix_da": FIXES_DA.get(self.key, "")}


#: How to fix the refusals a municipality can cause, in Danish (the feedback pages).
FIXES_DA: dict[str, str] = {
    "gateway:resource-type": "Send leveringsrapportens Bundle, ikke en enkelt ressource.",
    "gateway:bundle-id": "Giv hver leveringsrapport et nyt UUID som Bundle.id.",
    "gateway:bundle-id-mismatch": "Send hver rapport med PUT til /fhir/Bundle/<dens Bundle.id>.",
    "gateway:citizen": "Medtag én Patient med identifier-systemet urn:oid:1.2.208.176.1.2.",
    "gateway:cpr": "Send det officielle CPR-nummer: 10 cifre uden bindestreg.",
    "gateway:sor-missing": "Angiv managingOrganization.identifier (system urn:oid:1.2.208.176.1.1).",
    "gateway:sor-unknown": "Brug SOR-koden for den dataansvarlige enhed, der er registreret for kommunen.",
    "gateway:sor-scope": "Bed gatewayens operatør om at knytte klienten til den kommune.",
    "gateway:conflict": "Rapporter ændres aldrig: send ændringer i en ny rapport med et nyt id.",
}


GATEWAY_RULES: tuple[GatewayRule, ...] = (
    GatewayRule("gateway:resource-type", "gateway", "error", 400,
                "Only Bundle resources (delivery reports) can be submitted.",
                "Kun Bundle-ressourcer (leveringsrapporter) kan indberettes.",
                "Send the delivery report Bundle, not a single resource."),
    GatewayRule("gateway:bundle-id", "gateway", "error", 400,
                "The report has no Bundle.id.",
                "Leveringsrapporten mangler Bundle.id (leverandørens UUID).",
                "Give every delivery report a new UUID as Bundle.id."),
    GatewayRule("gateway:bundle-id-mismatch", "gateway", "error", 400,
                "Bundle.id differs from the id in the URL.",
                "Bundle.id svarer ikke til id'et i URL'en.",
                "PUT each report to /fhir/Bundle/<its Bundle.id>."),
    GatewayRule("gateway:citizen", "gateway", "error", 422,
                "A delivery report must name exactly one citizen with a CPR number.",
                "Leveringsrapporten skal indeholde præcis én borger med CPR-nummer.",
                "Include one Patient with identifier system urn:oid:1.2.208.176.1.2."),
    GatewayRule("gateway:cpr", "gateway", "error", 422,
                "The citizen's CPR number is not accepted in this gateway's CPR mode.",
                "Borgerens CPR-nummer kan ikke modtages.",
                "Send the official CPR number, 10 digits without hyphen."),
    GatewayRule("gateway:sor-missing", "gateway", "error", 422,
                "The citizen's managingOrganization has no SOR identifier.",
                "Borgerens managingOrganization mangler en SOR-kode.",
                "Set managingOrganization.identifier (system urn:oid:1.2.208.176.1.1)."),
    GatewayRule("gateway:sor-unknown", "gateway", "error", 403,
                "The SOR code is not a municipal unit in the organisation table.",
                "SOR-koden findes ikke som kommunal enhed i gatewayens organisationstabel.",
                "Use the SOR code of the custodian unit registered for your municipality."),
    GatewayRule("gateway:sor-scope", "gateway", "error", 403,
                "The SOR code belongs to a municipality the client may not report for.",
                "SOR-koden hører til en kommune, som klienten ikke må indberette for.",
                "Ask the gateway operator to bind the client to that municipality."),
    GatewayRule("gateway:conflict", "gateway", "error", 409,
                "A different report with the same id was received before.",
                "En anden leveringsrapport med samme id er modtaget før.",
                "Reports are never updated: send changes in a new report with a new id."),
    GatewayRule("gateway:population-all", "gateway", "error", 409,
                "The recipient's agreement covers all citizens; it has no population list.",
                "Modtagerens aftale omfatter alle borgere; der er ingen populationsliste.",
                "Change the agreement to population = \"list\" first."),
    GatewayRule("http:unauthorized", "http", "error", 401,
                "Missing, unknown, revoked or rotated bearer token.",
                "Manglende eller ugyldig adgangsnøgle (bearer token).",
                "Send Authorization: Bearer <token> with a current token."),
    GatewayRule("http:forbidden", "http", "error", 403,
                "The client's role or scope does not allow this.",
                "Klienten har ikke adgang til dette.",
                "Use a client with the right role and municipalities."),
    GatewayRule("http:too-large", "http", "error", 413,
                "The request body is larger than the gateway's limit.",
                "Forespørgslen er for stor.",
                "Split the data into daily per-citizen reports."),
    GatewayRule("http:too-many-requests", "http", "error", 429,
                "The client's request quota is used up.",
                "For mange forespørgsler; prøv igen senere.",
                "Wait the seconds given in Retry-After, then retry."),
    GatewayRule("http:unsupported-media-type", "http", "error", 415,
                "Only FHIR JSON is accepted.",
                "Indholdstypen understøttes ikke.",
                "Send Content-Type: application/fhir+json."),
    GatewayRule("http:bad-request", "http", "error", 400,
                "The request is malformed (parameters, id or cursor).",
                "Forespørgslen er ugyldig.",
                "Read diagnostics for the parameter at fault."),
    GatewayRule("http:not-found", "http", "error", 404,
                "No such resource or endpoint.",
                "Ressourcen findes ikke.",
                "Check the id and the path against GET /fhir/metadata."),
    GatewayRule("http:method-not-allowed", "http", "error", 405,
                "The method is not supported on this path.",
                "Metoden understøttes ikke her.",
                "See GET /fhir/metadata for the supported interactions."),
    GatewayRule("http:unprocessable", "http", "error", 422,
                "The content cannot be processed.",
                "Indholdet kan ikke behandles.",
                "Read diagnostics for the element at fault."),
    GatewayRule("http:unavailable", "http", "error", 503,
                "The gateway or its database is temporarily unavailable.",
                "Gatewayen er midlertidigt utilgængelig.",
                "Retry later with backoff; nothing was stored."),
    GatewayRule("http:internal", "http", "error", 500,
                "Internal error; nothing was stored.",
                "Intern fejl i gatewayen.",
                "Retry later; report the time to the gateway operator."),
)  # fmt: skip
