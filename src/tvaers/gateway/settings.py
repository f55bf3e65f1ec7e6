"""Gateway settings: one frozen dataclass, loaded with precedence flag > env > file > default.

Environment variables carry the prefix ``TVAERS_GATEWAY_`` (``TVAERS_GATEWAY_DB``,
``TVAERS_GATEWAY_ENVIRONMENT``, ...). :func:`check_settings` enforces what production
demands: the dk-core CPR mode (no synthetic CPR numbers) and real secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tvaers.errors import ConfigError
from tvaers.settings import load_settings, refuse_placeholder_secret

ENV_PREFIX = "TVAERS_GATEWAY_"
Environment = Literal["development", "test", "production"]


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """Everything the gateway process reads at start (see docs/operations.md)."""

    environment: Environment = "development"
    db: str = "sqlite:///tvaers-gateway.db"
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1  # HTTP worker processes (the push worker then runs in the parent)
    organisations: Path | None = None  # organisations.parquet (or its folder)
    cpr_mode: Literal["dk-core", "synthetic"] = "dk-core"
    token_pepper: str = "change-me"  # HMAC key for stored token hashes
    pseudonym_keys: str = "1:change-me"  # "version:key,version:key"; the highest is current
    max_request_bytes: int = 10 * 1024 * 1024
    auth_cache_seconds: float = 2.0  # reuse of a token lookup (revocation via CLI: within this)
    quota_per_second: float = 50.0
    quota_burst: int = 200
    search_max_count: int = 100
    auto_migrate: bool = True
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    outbox_worker: bool = True  # run the push worker inside `serve`
    outbox_interval: float = 2.0
    outbox_max_attempts: int = 8
    feed_page_size: int = 200
    public_docs: bool = True  # serve /docs and /openapi.json without a token


def load_gateway_settings(
    *,
    file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> GatewaySettings:
    """Load and check settings (flags in ``overrides``; None means "flag not given")."""
    settings = load_settings(
        GatewaySettings,
        file=file,
        env_prefix=ENV_PREFIX,
        overrides=dict(overrides or {}),
        environ=environ,
    )
    check_settings(settings)
    return settings


def check_settings(settings: GatewaySettings) -> None:
    """Refuse combinations that are unsafe outside development."""
    if settings.environment == "production" and settings.cpr_mode != "dk-core":
        raise ConfigError(
            "cpr_mode 'synthetic' is refused in environment 'production'",
            hint="synthetic CPR numbers (day + 60) belong in development and test only",
        )
    refuse_placeholder_secret("token_pepper", settings.token_pepper, settings.environment)
    for _, key in parse_pseudonym_keys(settings.pseudonym_keys):
        refuse_placeholder_secret("pseudonym_keys", key, settings.environment)
    if not 1 <= settings.workers <= 64:
        raise ConfigError("workers must be 1..64")
    if settings.max_request_bytes < 1024:
        raise ConfigError("max_request_bytes must be at least 1024")
    if settings.quota_per_second <= 0 or settings.quota_burst < 1:
        raise ConfigError("quota_per_second must be > 0 and quota_burst >= 1")


def parse_pseudonym_keys(text: str) -> list[tuple[int, str]]:
    """``"1:key,2:key"`` as ``[(1, key), (2, key)]``, sorted by version."""
    keys: list[tuple[int, str]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        version, sep, key = part.partition(":")
        if not sep or not version.isdigit():
            raise ConfigError(
                f"pseudonym_keys entry {part[:12]!r}... is not VERSION:KEY",
                hint="e.g. TVAERS_GATEWAY_PSEUDONYM_KEYS=1:<64 hex chars>,2:<64 hex chars>",
            )
        keys.append((int(version), key))
    if not keys:
        raise ConfigError("pseudonym_keys holds no key")
    return sorted(keys)
