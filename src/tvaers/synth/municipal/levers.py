"""The municipal levers (``data/municipal.toml``): shares, day ranges and code weights."""

from __future__ import annotations

import hashlib
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from tvaers.errors import InputError

FILE = "municipal.toml"


class Levers:
    """Typed access to the municipal levers; ``sha256`` identifies the file used by a run."""

    def __init__(self, raw: dict[str, Any], sha256: str):
        self.raw = raw
        self.sha256 = sha256

    def get(self, dotted: str) -> Any:
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise InputError(f"municipal lever {dotted!r} not found", location=FILE)
            node = node[part]
        return node

    def num(self, dotted: str) -> float:
        return float(self.get(dotted))

    def days(self, dotted: str) -> tuple[int, int]:
        """A ``[lo, hi]`` range of whole days (both ends included)."""
        value = self.get(dotted)
        if not (isinstance(value, list) and len(value) == 2 and value[0] <= value[1]):
            raise InputError(f"municipal lever {dotted!r} must be [lo, hi]", location=FILE)
        return int(value[0]), int(value[1])

    def weights(self, dotted: str) -> tuple[list[str], list[float]]:
        """Names and normalised weights of a ``{name = weight}`` table."""
        table = self.get(dotted)
        names = list(table)
        total = float(sum(table.values()))
        return names, [float(table[n]) / total for n in names]


@cache
def load_levers() -> Levers:
    """The shipped municipal levers (read once per process)."""
    data = resources.files("tvaers.synth").joinpath(f"data/{FILE}").read_bytes()
    return Levers(tomllib.loads(data.decode("utf-8")), hashlib.sha256(data).hexdigest())
