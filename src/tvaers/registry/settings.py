"""Settings of the quality-database registry (``TVAERS_REGISTRY_*``, flag > env > file > default).

The registry is a separate service from the gateway, with its own store, key and settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tvaers.errors import ConfigError
from tvaers.settings import load_settings

ENV_PREFIX = "TVAERS_REGISTRY_"


@dataclass(frozen=True)
class RegistrySettings:
    """Where the registry keeps its data and how it publishes.

    - ``registry_dir``: the store (Parquet generations, DuckDB catalog, results).
    - ``key_file``: the pseudonymisation key; default ``<registry_dir>/keys/pseudonym.key``
      in development. Outside development it must lie outside ``registry_dir`` so that a
      copy of the data never carries the key.
    - ``suppression_threshold``: public cells with a denominator of 1 to threshold - 1 are
      suppressed (see :mod:`tvaers.stats.suppression`).
    - ``publisher``: the name printed on outputs (RKKP is becoming Sundhedsvæsenets
      Kvalitetsinstitut).
    - ``users_db``: the quality databases' user store (the dashboard's SQLite file); the
      registry reads it to check ``--user`` of person-level commands.
    - ``audit_log``: append-only JSON-lines log of person-level reads (the dashboard's log:
      one log for both).
    """

    registry_dir: Path = Path("registry")
    key_file: Path | None = None
    environment: Literal["development", "test", "production"] = "development"
    cpr_mode: Literal["dk-core", "synthetic"] = "dk-core"
    suppression_threshold: int = 5
    publisher: str = "RKKP"
    users_db: Path = Path("dashboard-state/users.sqlite")
    audit_log: Path = Path("dashboard-state/audit.jsonl")

    def resolved_key_file(self) -> Path:
        """The key file, refusing a key inside the data directory outside development."""
        default = self.registry_dir / "keys" / "pseudonym.key"
        key = self.key_file or default
        inside = _is_inside(key, self.registry_dir)
        if inside and self.environment != "development":
            raise ConfigError(
                f"key_file {key} lies inside registry_dir {self.registry_dir}",
                hint="keep the pseudonymisation key apart from the data: set "
                f"{ENV_PREFIX}KEY_FILE to a path outside the registry directory",
            )
        return key


def _is_inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def registry_settings(file: Path | None = None, **overrides: Any) -> RegistrySettings:
    """Load the registry settings with the usual precedence."""
    return load_settings(RegistrySettings, file=file, env_prefix=ENV_PREFIX, overrides=overrides)
