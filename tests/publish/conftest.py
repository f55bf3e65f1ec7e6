"""Shared fixtures for publish tests: fixture releases (small and 98-municipality) and their builds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from publish_factories import write_release

from tvaers.publish.build import build

GENERATED = date(2025, 3, 15)


@pytest.fixture(scope="session")
def small_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight municipalities (one suppressed), five regions, five hospitals, two periods."""
    return write_release(tmp_path_factory.mktemp("small-release"))


@pytest.fixture(scope="session")
def small_build(small_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small-build")
    build(small_release, out, generated=GENERATED)
    return out


@pytest.fixture(scope="session")
def full_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 98 municipalities."""
    return write_release(tmp_path_factory.mktemp("full-release"), codes=None)


@pytest.fixture(scope="session")
def full_build(full_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("full-build")
    build(full_release, out, generated=GENERATED)
    return out
