"""`tvaers registry serve` and `tvaers registry users ...`: the quality-database dashboard.

Registered on the registry command group; kept apart from the registry's data commands.
"""

from __future__ import annotations

from tvaers.cli.registry import app

__all__ = ["app"]
