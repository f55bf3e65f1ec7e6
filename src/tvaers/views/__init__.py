"""SQL-on-FHIR v2 ViewDefinition runner (in-process/Arrow and Apache Spark) and shipped views."""
