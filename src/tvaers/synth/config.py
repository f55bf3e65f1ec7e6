"""The parameters of one generator run, with precise errors for bad input.

Everything that changes the output is here and is written to ``manifest.json``; the number of
worker processes is not (it never changes the output).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tvaers.errors import InputError, nearest
from tvaers.terminology.geography import municipalities, region_by_code

COHORTS: dict[str, tuple[str, ...]] = {
    "heart": ("ihd", "ami", "hf"),
    "copd": ("copd",),
    "diabetes": ("t1d", "t2d"),
}
MAX_ENRICHMENT = 100.0
CPR_SLOTS = 2000  # serial numbers per (birth date, sex) in every century (see cprnum)
DEFAULT_BLOCK_SIZE = 8192
DEFAULT_LOOKBACK_DAYS = 730


@dataclass(frozen=True)
class SynthConfig:
    """One run: population size, window, seed, enrichment, region, lookback, block size."""

    citizens: int
    start: date
    end: date
    seed: int
    enrich: dict[str, float] = field(default_factory=dict)
    region: str | None = None
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    block_size: int = DEFAULT_BLOCK_SIZE

    def __post_init__(self) -> None:
        if self.citizens < 1:
            raise InputError(f"--citizens must be at least 1, got {self.citizens}")
        if self.end <= self.start:
            raise InputError(f"--end {self.end} must be after --start {self.start}")
        if self.seed < 0:
            raise InputError(f"--seed must be 0 or positive, got {self.seed}")
        if not 0 <= self.lookback_days <= 3660:
            raise InputError(f"--lookback-days must be 0..3660, got {self.lookback_days}")
        if self.block_size < 100:
            raise InputError(f"block size must be at least 100, got {self.block_size}")
        if self.region is not None and self.region not in region_by_code():
            guess = nearest(self.region, list(region_by_code()))
            raise InputError(
                f"--region {self.region!r} is not a region code",
                hint=(f"did you mean {guess}? " if guess else "")
                + "valid: "
                + ", ".join(f"{r.region_code} ({r.name})" for r in region_by_code().values()),
            )
        if self.slots_per_block < 1:
            raise InputError(
                f"{self.citizens} citizens in blocks of {self.block_size} need "
                f"{self.n_blocks} blocks; CPR numbering allows at most {CPR_SLOTS}",
                hint="use a larger block size",
            )

    @property
    def n_blocks(self) -> int:
        return -(-self.citizens // self.block_size)

    @property
    def slots_per_block(self) -> int:
        """CPR serial numbers each block may use per (birth date, sex)."""
        return CPR_SLOTS // self.n_blocks

    def factor(self, condition: str) -> float:
        """The enrichment factor that applies to a condition (1 when not enriched)."""
        for cohort, conditions in COHORTS.items():
            if condition in conditions:
                return self.enrich.get(cohort, 1.0)
        return 1.0

    def as_dict(self) -> dict[str, object]:
        return {
            "citizens": self.citizens,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "region": self.region,
            "lookback_days": self.lookback_days,
            "block_size": self.block_size,
        }


def parse_enrich(text: str | None) -> dict[str, float]:
    """``heart=x5,copd=x5,diabetes=x3`` -> ``{"heart": 5.0, ...}`` with precise errors."""
    result: dict[str, float] = {}
    if not text:
        return result
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise InputError(
                f"--enrich item {item!r} is not COHORT=xFACTOR", hint="e.g. heart=x5,copd=x3"
            )
        if name not in COHORTS:
            guess = nearest(name, list(COHORTS))
            raise InputError(
                f"--enrich: unknown cohort {name!r}",
                hint=(f"did you mean {guess}? " if guess else "") + "valid: " + ", ".join(COHORTS),
            )
        raw = value.strip().removeprefix("x").removeprefix("X")
        try:
            factor = float(raw)
        except ValueError:
            raise InputError(
                f"--enrich {name}: factor {value.strip()!r} is not a number", hint="e.g. x5"
            ) from None
        if not 1.0 <= factor <= MAX_ENRICHMENT:
            raise InputError(f"--enrich {name}: factor must be 1..{MAX_ENRICHMENT:g}, got {raw}")
        if name in result:
            raise InputError(f"--enrich: cohort {name!r} given twice")
        result[name] = factor
    return result


def region_population(region: str) -> int:
    """The 2024 population of a region (2020 municipalities scaled by growth)."""
    growth = region_by_code()[region].growth_2020_to_2024
    return round(
        sum(m.population_2020 for m in municipalities() if m.region_code == region) * growth
    )
