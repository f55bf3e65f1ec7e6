"""HTTP surface of the gateway: FHIR routes under ``/fhir``, operator routes under ``/admin``."""
