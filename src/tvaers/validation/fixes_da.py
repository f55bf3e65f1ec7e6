"""How to fix each kind of finding, in Danish, for the municipal feedback pages.

Keyed by message kind (see :mod:`tvaers.validation.messages`); a test checks that every
kind has a Danish text. The catalogue publishes it as ``how_to_fix_da``.
"""

from __future__ import annotations

FIXES_DA: dict[str, str] = {
    "json.parse": "Send én FHIR-ressource som gyldig JSON (UTF-8, RFC 8259).",
    "json.encoding": "Kod leveringsrapporten som UTF-8 uden byte-order mark.",
    "json.too-large": "Send én borger pr. rapport og kun det, der er ændret siden sidste rapport.",
    "json.too-deep": "Gør dokumentet fladere; FHIR-ressourcer er ikke dybt indlejrede.",
    "json.not-a-resource": 'Send en FHIR-Bundle (en leveringsrapport) med "resourceType": "Bundle".',
    "json.unknown-profile": "Angiv IG'ens leveringsrapport-profil i Bundle.meta.profile.",
    "json.issue-cap": "Ret de viste fejl først; resten findes ved næste validering.",
    "bundle.resource-type": "Send kun de ressourcetyper, IG'ens leveringsrapport-profil tillader.",
    "bundle.citizen-count": "Send én rapport pr. borger med borgerens Patient-ressource.",
    "bundle.profile-type": "Angiv i meta.profile en profil for ressourcens egen type.",
    "cardinality.min": "Tilføj elementet; profilen kræver det.",
    "cardinality.max": "Send højst det tilladte antal gentagelser.",
    "cardinality.prohibited": "Fjern elementet; profilen forbyder det (max 0).",
    "cardinality.choice": "Send præcis ét af alternativerne.",
    "unknown-element.key": "Fjern elementet eller ret stavemåden (FHIR-navne skelner mellem store og små bogstaver).",
    "type.array": "Sæt værdien i [ ]; elementet kan gentages.",
    "type.single": "Send én værdi uden [ ]; elementet kan ikke gentages.",
    "type.empty-array": "Udelad elementer uden værdi.",
    "type.object": "Send elementet som et JSON-objekt af dets FHIR-datatype.",
    "type.json": "Send værdien med den JSON-type, FHIR-datatypen foreskriver.",
    "type.format": "Brug datatypens FHIR-format (fx datoer som ÅÅÅÅ-MM-DD, tidspunkter med tidszone).",
    "type.choice": "Brug en af de typer, profilen tillader.",
    "type.resource": "Indsæt en komplet FHIR-ressource her.",
    "ele-1.empty": "Udelad tomme elementer.",
    "fixed.value": "Send præcis den værdi, profilen fastlægger.",
    "pattern.value": "Send en værdi, der indeholder profilens mønster.",
    "binding.code": "Brug en kode fra det bundne værdisæt (se IG'en / KL Terminologi).",
    "slice.closed": "Send kun kodninger/elementer af de slags, profilen angiver.",
    "unknown-element.extension": "Send kun de extensions, profilen definerer for elementet.",
    "reference.unresolved": "Medtag alle refererede ressourcer i rapporten (også uændrede).",
    "reference.type": "Referér til en ressource af den type, profilen angiver.",
    "reference.profile": "Gør den refererede ressource gyldig efter den profil, referencen kræver.",
    "reference.full-url": "Byg fullUrl som <base>/<ressourcetype>/<id> for ressourcen i indgangen.",
    "cardinality.last-updated": "Sæt meta.lastUpdated til det tidspunkt, ressourcen sidst blev ændret i omsorgssystemet.",
    "strict.legacy-code": "Send FSIII-UUID-koden (FK-klassifikation) i stedet for den gamle nøgle.",
    "strict.rejected-concept": "Brug det forenklede FSIII-begreb (fx 'Personlig pleje' i stedet for 'Vaske sig').",
    "strict.display": "Send den gældende FSIII-titel som display (eller udelad display).",
    "strict.deprecated": "Brug afløseren (GeneralEncounter; FollowUpObservation med en Condition som focus).",
    "strict.deceased": "Send deceasedBoolean = false; rapporter om afdøde borgere afvises efter overgangen.",
    "strict.focus": "Referér til den opfulgte tilstand i Observation.focus.",
    "invariant.failed": "Ret data, så reglen er opfyldt (IG'ens eller FHIR's egen regel).",
    "cpr.syntax": "Send borgerens CPR-nummer som 10 cifre uden bindestreg (DDMMÅÅSSSS).",
    "sor.syntax": "Send organisationens SOR-kode: mindst 11 cifre.",
}
