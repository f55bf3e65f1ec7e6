"""Shared fixtures for publish tests: fixture releases (small and 98-municipality) and their builds."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from publish_factories import write_release

from tvaers.publish.build import build


def _root_require() -> Callable[[bool, str], None]:
    """``require`` of tests/conftest.py (shadowed as ``conftest`` by this file)."""
    name = "tvaers_tests_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).parents[1] / "conftest.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    found: Callable[[bool, str], None] = sys.modules[name].require
    return found


#: Skip when a requirement is missing, fail under CI=true (tests/conftest.py).
require = _root_require()

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
