"""Pseudonymisation at import: CPR -> pseudonym with one key the registry holds.

A pseudonym is ``HMAC-SHA256(key, "cpr:" + cpr)`` as 32 hex digits (128 bits). The same key
gives the same pseudonym in every table (LPR, CPR, gateway data), so tables link; without
the key a pseudonym cannot be computed from a CPR number. The key is 32 random bytes in a
file of its own (mode 0600), never inside the store's data files; the store records only
the key's *fingerprint* so that an import with a different key is refused instead of
silently breaking every link.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tvaers.errors import ConfigError

KEY_BYTES = 32
PSEUDONYM_HEX = 32


@dataclass(frozen=True)
class PseudonymKey:
    """The registry's pseudonymisation key."""

    secret: bytes

    @property
    def fingerprint(self) -> str:
        """A non-secret identifier of the key (safe to store beside the data)."""
        return hmac.new(self.secret, b"tvaers:key-fingerprint", hashlib.sha256).hexdigest()[:16]

    def pseudonym(self, cpr: str) -> str:
        """The pseudonym of one CPR number."""
        digest = hmac.new(self.secret, b"cpr:" + cpr.encode("ascii"), hashlib.sha256)
        return digest.hexdigest()[:PSEUDONYM_HEX]

    def pseudonyms(self, cprs: Iterable[str | None]) -> list[str | None]:
        """Pseudonyms of many CPR numbers (None stays None)."""
        return [None if c is None else self.pseudonym(c) for c in cprs]


def load_or_create_key(path: Path, *, create: bool = True) -> PseudonymKey:
    """Read the key at ``path``; create it (0600) on first use if ``create``."""
    if path.exists():
        data = path.read_bytes()
        if len(data) != KEY_BYTES:
            raise ConfigError(
                f"pseudonymisation key {path} has {len(data)} bytes, expected {KEY_BYTES}",
                hint="restore the registry's key file from its backup; never edit it",
            )
        return PseudonymKey(data)
    if not create:
        raise ConfigError(
            f"pseudonymisation key not found: {path}",
            hint="set TVAERS_REGISTRY_KEY_FILE to the registry's key file",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return PseudonymKey(secret)
