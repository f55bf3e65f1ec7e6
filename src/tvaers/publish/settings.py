"""Settings of ``tvaers publish``: who publishes, and where Measures are published.

RKKP is becoming part of Sundhedsvæsenets Kvalitetsinstitut, so the publisher's name is a
setting. Precedence as everywhere: flag > ``TVAERS_PUBLISH_*`` environment > file > default.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PublishSettings:
    """What ``tvaers publish build`` needs besides its input folders."""

    publisher: str = "Regionernes Kliniske Kvalitetsudviklingsprogram (RKKP)"
    #: Base of the canonical URLs of published Measure resources.
    canonical_base: str = "https://kvalitet.example.org/fhir"


ENV_PREFIX = "TVAERS_PUBLISH_"
