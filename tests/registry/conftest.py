"""Fixtures for registry tests (helpers live in ``registry_factories``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.store import RegistryStore


@pytest.fixture
def store(tmp_path: Path) -> RegistryStore:
    return RegistryStore(tmp_path / "registry")


@pytest.fixture
def key(tmp_path: Path) -> PseudonymKey:
    return load_or_create_key(tmp_path / "keys" / "pseudonym.key")
