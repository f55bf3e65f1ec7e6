"""Parameter tables of the generator: age/sex rate tables, probabilities and code lists.

The facts live in ``data/parameters.toml`` and ``data/codes.toml`` (each value with its
source key); this module turns them into vectorised lookups. Scaled tables (``level``) are
scaled here against the shipped age pyramid, so a published national figure (e.g. 174 first
MIs per 100,000 men) stays visible in the data file instead of being baked into band values.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from tvaers.errors import InputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class AgeTable:
    """Values by age band (lower edges in years) and sex, already scaled and divided."""

    edges: npt.NDArray[np.int64]
    male: FloatArray
    female: FloatArray

    def lookup(self, age_years: FloatArray, male: npt.NDArray[np.bool_]) -> FloatArray:
        """The value for each person (vectorised)."""
        band = np.searchsorted(self.edges, age_years, side="right") - 1
        band = np.clip(band, 0, len(self.edges) - 1)
        return np.where(male, self.male[band], self.female[band])


@dataclass(frozen=True)
class Choice:
    """Codes drawn with weights (indices into the code vocabulary)."""

    name: str
    codes: tuple[str, ...]
    index: npt.NDArray[np.int16]
    p: FloatArray

    def draw(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int16]:
        if n == 0:
            return np.empty(0, dtype=np.int16)
        return self.index[rng.choice(len(self.codes), size=n, p=self.p)]


class Parameters:
    """All levers, loaded once; ``sha256`` identifies the exact tables used by a run."""

    def __init__(self, raw: dict[str, Any], codes: dict[str, Any], sha256: str):
        self.raw = raw
        self.codes_raw = codes
        self.sha256 = sha256
        self.sources: dict[str, str] = dict(raw["sources"]) | dict(codes["sources"])
        demo = raw["demography"]
        self.pyramid_edges = np.asarray(demo["pyramid_edges"], dtype=np.int64)
        self.pyramid_male = np.asarray(demo["pyramid_male"], dtype=np.float64) * 1000
        self.pyramid_female = np.asarray(demo["pyramid_female"], dtype=np.float64) * 1000
        texts = dict(codes["diagnosis_text"]) | dict(codes["procedure_text"])
        self.vocabulary: tuple[str, ...] = tuple(sorted(texts))
        self._code_index = {c: i for i, c in enumerate(self.vocabulary)}

    # -- lookups -----------------------------------------------------------------------
    def get(self, dotted: str) -> Any:
        """A raw value by dotted path, e.g. ``pathways.copd.frailty_shape``."""
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise InputError(f"parameter {dotted!r} not found", location="parameters.toml")
            node = node[part]
        return node

    def num(self, dotted: str) -> float:
        return float(self.get(dotted))

    def code(self, code: str) -> int:
        """Vocabulary index of an SKS code (unknown codes are a bug in the tables)."""
        try:
            return self._code_index[code]
        except KeyError:
            raise InputError(f"code {code!r} has no text in codes.toml") from None

    def choice(self, name: str) -> Choice:
        spec = self.codes_raw["choices"][name]
        weights = np.asarray(spec["weights"], dtype=np.float64)
        idx = np.asarray([self.code(c) for c in spec["codes"]], dtype=np.int16)
        return Choice(name, tuple(spec["codes"]), idx, weights / weights.sum())

    def table(self, dotted: str, divisor: float = 1.0) -> AgeTable:
        """An age/sex table: ``{age_edges, value}`` or ``{age_edges, shape_male, ...}``."""
        spec = self.get(dotted)
        edges = np.asarray(spec["age_edges"], dtype=np.int64)
        if "value" in spec:
            male = female = np.asarray(spec["value"], dtype=np.float64)
        elif "per_1000" in spec:
            male = female = np.asarray(spec["per_1000"], dtype=np.float64) / 1000
        else:
            male = np.asarray(spec["shape_male"], dtype=np.float64)
            female = np.asarray(spec["shape_female"], dtype=np.float64)
        male, female = male / divisor, female / divisor
        if len(male) != len(edges) or len(female) != len(edges):
            raise InputError(f"{dotted}: values and age_edges differ in length")
        level = spec.get("level")
        if level is not None:
            male, female = self._scale(edges, male, female, level, divisor)
        return AgeTable(edges, male, female)

    def pyramid_weights(self, edges: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
        """Persons per band of ``edges`` (men, women), from the 5-year pyramid."""
        # spread each 5-year band evenly over its single years, then bin by ``edges``
        ages = np.repeat(self.pyramid_edges, 5) + np.tile(np.arange(5), len(self.pyramid_edges))
        band = np.clip(np.searchsorted(edges, ages, side="right") - 1, 0, None)
        men = np.bincount(band, weights=np.repeat(self.pyramid_male, 5) / 5, minlength=len(edges))
        women = np.bincount(
            band, weights=np.repeat(self.pyramid_female, 5) / 5, minlength=len(edges)
        )
        return men.astype(np.float64), women.astype(np.float64)

    def _scale(
        self,
        edges: npt.NDArray[np.int64],
        male: FloatArray,
        female: FloatArray,
        level: dict[str, Any],
        divisor: float,
    ) -> tuple[FloatArray, FloatArray]:
        men, women = self.pyramid_weights(edges)
        if level["scale"] == "per_sex_mean":
            keep = edges >= int(level.get("min_age", 0))
            target_m = float(level["male"]) / divisor
            target_f = float(level["female"]) / divisor
            mean_m = (men[keep] * male[keep]).sum() / men[keep].sum()
            mean_f = (women[keep] * female[keep]).sum() / women[keep].sum()
            return male * target_m / mean_m, female * target_f / mean_f
        if level["scale"] == "total":
            total, share = float(level["total"]), float(level["male_share"])
            factor = self.num("demography.national_population") / (
                self.pyramid_male.sum() + self.pyramid_female.sum()
            )
            exp_m = (men * male).sum() * factor
            exp_f = (women * female).sum() * factor
            return male * total * share / exp_m, female * total * (1 - share) / exp_f
        raise InputError(f"unknown level scale {level['scale']!r} (per_sex_mean, total)")


def _read(name: str) -> bytes:
    return resources.files("tvaers.synth").joinpath(f"data/{name}").read_bytes()


@cache
def load_parameters() -> Parameters:
    """The shipped parameter tables (read once per process)."""
    params_bytes, codes_bytes = _read("parameters.toml"), _read("codes.toml")
    digest = hashlib.sha256(params_bytes + b"\0" + codes_bytes).hexdigest()
    return Parameters(
        tomllib.loads(params_bytes.decode("utf-8")),
        tomllib.loads(codes_bytes.decode("utf-8")),
        digest,
    )
