"""A compiled FHIRPath subset for the invariants of the KL Gateway IGs and R4 core.

``compile_expression(text)`` parses once and returns a closure over typed nodes; the
validator evaluates every invariant through it. It is cross-checked against fhirpathpy in
the tests (``tests/validation/test_fhirpath_oracle.py``).
"""

from tvaers.validation.fhirpath.evaluate import Env, compile_expression, truth
from tvaers.validation.fhirpath.model import Node, node_for_resource
from tvaers.validation.fhirpath.parse import FhirPathSyntaxError, parse

__all__ = [
    "Env",
    "FhirPathSyntaxError",
    "Node",
    "compile_expression",
    "node_for_resource",
    "parse",
    "truth",
]
