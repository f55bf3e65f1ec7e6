"""SOR (Sundhedsvæsenets Organisationsregister) identifier syntax.

dk-core's invariant ``min-digits-sor``: system ``urn:oid:1.2.208.176.1.1`` and a value of
at least 11 digits. The gateway checks the code's length in the profile and the code
itself at authorisation (a citizen's SOR must belong to the caller's municipality).
"""

from __future__ import annotations

import re

SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
_SOR = re.compile(r"^[0-9]{11,}$")


def sor_problem(value: str) -> str | None:
    """Why ``value`` is not a syntactically valid SOR code, or None."""
    if not _SOR.match(value):
        return "SOR code must be at least 11 digits"
    return None
