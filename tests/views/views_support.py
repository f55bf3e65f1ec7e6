"""Helpers shared by the view tests: the root conftest's ``require`` and reference paths."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference"
SOF_TESTS = REFERENCE / "sof-tests" / "tests"
EXTRA_TESTS = ROOT / "tests" / "conformance" / "extra"
KL_EXAMPLES = sorted(REFERENCE.glob("kl/*/examples/*.json"))


def _root_conftest() -> Any:
    name = "tvaers_tests_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "conftest.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


#: Skip when a requirement is missing, fail under CI=true (tests/conftest.py).
require: Callable[[bool, str], None] = _root_conftest().require
