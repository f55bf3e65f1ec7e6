"""The common municipal gateway: FHIR REST intake, durable store, auth, audit, forwarding."""
