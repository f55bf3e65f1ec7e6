"""FHIR R4 basics shared by every part: JSON parsing and canonical hashing,
references (absolute, relative, ``urn:uuid``), OperationOutcome, and report state.
"""
