"""Facts from the FHIR R4 specification that the FHIRPath engine needs without a full model.

- :data:`CHOICE_NAMES`: element names that are choice elements (``value[x]``, ``onset[x]``, ...)
  somewhere in R4; only for these does navigation look for a typed key (``valueQuantity``).
- :data:`DATA_TYPES`: the R4 data type names (primitive and complex) a choice key can end in.
- :data:`RESOURCE_TYPES`: the R4 resource type names.
- :data:`STRING_TYPES` etc.: how a JSON value of unknown declared type is tested by ``ofType``.
- :data:`BASE_TYPES` / :func:`is_a`: the subtyping a type model's declared types follow.

The lists were taken from the R4 element definitions (every path ending in ``[x]``).
"""

from __future__ import annotations

CHOICE_NAMES: frozenset[str] = frozenset(
    (
        "abatement",
        "additive",
        "age",
        "allowed",
        "amount",
        "answer",
        "asNeeded",
        "author",
        "born",
        "bounds",
        "characteristic",
        "chargeItem",
        "code",
        "collected",
        "content",
        "created",
        "date",
        "deceased",
        "defaultValue",
        "definingSubstance",
        "definition",
        "detail",
        "diagnosis",
        "dose",
        "doseNumber",
        "due",
        "effective",
        "entity",
        "event",
        "example",
        "fastingStatus",
        "fixed",
        "identified",
        "indication",
        "item",
        "legallyBinding",
        "location",
        "manufacturer",
        "maxValue",
        "medication",
        "minValue",
        "minimumVolume",
        "module",
        "multipleBirth",
        "name",
        "occurred",
        "occurrence",
        "offset",
        "onset",
        "participantEffective",
        "pattern",
        "performed",
        "probability",
        "procedure",
        "product",
        "quantity",
        "rate",
        "reported",
        "scheduled",
        "seriesDoses",
        "serviced",
        "source",
        "start",
        "statusReason",
        "studyEffective",
        "subject",
        "substance",
        "target",
        "time",
        "timing",
        "topic",
        "used",
        "value",
        "when",
    )
)

PRIMITIVE_TYPES: tuple[str, ...] = (
    "base64Binary",
    "boolean",
    "canonical",
    "code",
    "date",
    "dateTime",
    "decimal",
    "id",
    "instant",
    "integer",
    "integer64",
    "markdown",
    "oid",
    "positiveInt",
    "string",
    "time",
    "unsignedInt",
    "uri",
    "url",
    "uuid",
    "xhtml",
)

PRIMITIVE_NAMES: frozenset[str] = frozenset(PRIMITIVE_TYPES)

COMPLEX_TYPES: tuple[str, ...] = (
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "CodeableConcept",
    "CodeableReference",
    "Coding",
    "ContactDetail",
    "ContactPoint",
    "Contributor",
    "Count",
    "DataRequirement",
    "Distance",
    "Dosage",
    "Duration",
    "Expression",
    "Extension",
    "HumanName",
    "Identifier",
    "Meta",
    "Money",
    "Narrative",
    "ParameterDefinition",
    "Period",
    "Quantity",
    "Range",
    "Ratio",
    "RatioRange",
    "Reference",
    "RelatedArtifact",
    "SampledData",
    "Signature",
    "Timing",
    "TriggerDefinition",
    "UsageContext",
)

DATA_TYPES: frozenset[str] = frozenset(PRIMITIVE_TYPES + COMPLEX_TYPES)

#: Choice-key suffix (``Quantity``, ``DateTime``) -> FHIR type name (``Quantity``, ``dateTime``).
SUFFIX_TO_TYPE: dict[str, str] = {t[0].upper() + t[1:]: t for t in DATA_TYPES}

RESOURCE_TYPES: frozenset[str] = frozenset(
    (
        "Account",
        "ActivityDefinition",
        "AdverseEvent",
        "AllergyIntolerance",
        "Appointment",
        "AppointmentResponse",
        "AuditEvent",
        "Basic",
        "Binary",
        "BiologicallyDerivedProduct",
        "BodyStructure",
        "Bundle",
        "CapabilityStatement",
        "CarePlan",
        "CareTeam",
        "CatalogEntry",
        "ChargeItem",
        "ChargeItemDefinition",
        "Claim",
        "ClaimResponse",
        "ClinicalImpression",
        "CodeSystem",
        "Communication",
        "CommunicationRequest",
        "CompartmentDefinition",
        "Composition",
        "ConceptMap",
        "Condition",
        "Consent",
        "Contract",
        "Coverage",
        "CoverageEligibilityRequest",
        "CoverageEligibilityResponse",
        "DetectedIssue",
        "Device",
        "DeviceDefinition",
        "DeviceMetric",
        "DeviceRequest",
        "DeviceUseStatement",
        "DiagnosticReport",
        "DocumentManifest",
        "DocumentReference",
        "EffectEvidenceSynthesis",
        "Encounter",
        "Endpoint",
        "EnrollmentRequest",
        "EnrollmentResponse",
        "EpisodeOfCare",
        "EventDefinition",
        "Evidence",
        "EvidenceVariable",
        "ExampleScenario",
        "ExplanationOfBenefit",
        "FamilyMemberHistory",
        "Flag",
        "Goal",
        "GraphDefinition",
        "Group",
        "GuidanceResponse",
        "HealthcareService",
        "ImagingStudy",
        "Immunization",
        "ImmunizationEvaluation",
        "ImmunizationRecommendation",
        "ImplementationGuide",
        "InsurancePlan",
        "Invoice",
        "Library",
        "Linkage",
        "List",
        "Location",
        "Measure",
        "MeasureReport",
        "Media",
        "Medication",
        "MedicationAdministration",
        "MedicationDispense",
        "MedicationKnowledge",
        "MedicationRequest",
        "MedicationStatement",
        "MedicinalProduct",
        "MedicinalProductAuthorization",
        "MedicinalProductContraindication",
        "MedicinalProductIndication",
        "MedicinalProductIngredient",
        "MedicinalProductInteraction",
        "MedicinalProductManufactured",
        "MedicinalProductPackaged",
        "MedicinalProductPharmaceutical",
        "MedicinalProductUndesirableEffect",
        "MessageDefinition",
        "MessageHeader",
        "MolecularSequence",
        "NamingSystem",
        "NutritionOrder",
        "Observation",
        "ObservationDefinition",
        "OperationDefinition",
        "OperationOutcome",
        "Organization",
        "OrganizationAffiliation",
        "Parameters",
        "Patient",
        "PaymentNotice",
        "PaymentReconciliation",
        "Person",
        "PlanDefinition",
        "Practitioner",
        "PractitionerRole",
        "Procedure",
        "Provenance",
        "Questionnaire",
        "QuestionnaireResponse",
        "RelatedPerson",
        "RequestGroup",
        "ResearchDefinition",
        "ResearchElementDefinition",
        "ResearchStudy",
        "ResearchSubject",
        "RiskAssessment",
        "RiskEvidenceSynthesis",
        "Schedule",
        "SearchParameter",
        "ServiceRequest",
        "Slot",
        "Specimen",
        "SpecimenDefinition",
        "StructureDefinition",
        "StructureMap",
        "Subscription",
        "Substance",
        "SubstanceNucleicAcid",
        "SubstancePolymer",
        "SubstanceProtein",
        "SubstanceReferenceInformation",
        "SubstanceSourceMaterial",
        "SubstanceSpecification",
        "SupplyDelivery",
        "SupplyRequest",
        "Task",
        "TerminologyCapabilities",
        "TestReport",
        "TestScript",
        "ValueSet",
        "VerificationResult",
        "VisionPrescription",
    )
)

#: FHIR primitive types whose JSON form is a string (date-like ones are checked by syntax).
STRING_TYPES = frozenset(
    (
        "string",
        "code",
        "id",
        "markdown",
        "uri",
        "url",
        "canonical",
        "oid",
        "uuid",
        "base64Binary",
        "xhtml",
    )
)
INTEGER_TYPES = frozenset(("integer", "positiveInt", "unsignedInt", "integer64"))
TEMPORAL_TYPES = frozenset(("date", "dateTime", "instant", "time"))

#: FHIRPath System types and the FHIR types they stand for in a type test.
SYSTEM_TYPES: dict[str, str] = {
    "String": "string",
    "Boolean": "boolean",
    "Integer": "integer",
    "Decimal": "decimal",
    "Date": "date",
    "DateTime": "dateTime",
    "Time": "time",
    "Quantity": "Quantity",
}


#: FHIR types that specialise another (R4 ``baseDefinition``): ``code`` is a ``string``.
BASE_TYPES: dict[str, str] = {
    "code": "string", "id": "string", "markdown": "string",
    "url": "uri", "canonical": "uri", "oid": "uri", "uuid": "uri",
    "positiveInt": "integer", "unsignedInt": "integer",
    "SimpleQuantity": "Quantity", "Age": "Quantity", "Count": "Quantity",
    "Distance": "Quantity", "Duration": "Quantity", "MoneyQuantity": "Quantity",
}  # fmt: skip
ABSTRACT_RESOURCES = frozenset(("Resource", "DomainResource"))


def is_a(declared: str, wanted: str) -> bool:
    """Whether a value declared as ``declared`` is of type ``wanted`` (FHIR subtyping)."""
    current: str | None = declared
    while current is not None:
        if current == wanted:
            return True
        current = BASE_TYPES.get(current)
    return wanted in ABSTRACT_RESOURCES and declared in RESOURCE_TYPES


def split_type_name(name: str) -> str:
    """``FHIR.Quantity`` -> ``Quantity``; ``System.String`` and ``String`` -> ``string``.

    An unqualified name is looked up in the FHIR model first, then in System (N1 §10.1):
    FHIR has no ``Integer``, so ``Integer`` is ``System.Integer``."""
    namespace, _, local = name.rpartition(".")
    if namespace == "System" or (not namespace and local not in DATA_TYPES):
        return SYSTEM_TYPES.get(local, local)
    return local
