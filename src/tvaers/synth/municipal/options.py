"""Options of the municipal part that a run may set (CLI flags), with precise errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from tvaers.errors import InputError, nearest
from tvaers.terminology.geography import municipalities

IGS = ("care", "rehab", "prevention")


@dataclass(frozen=True)
class MunicipalOptions:
    """What a run changes from the shipped levers; ``None`` keeps the lever.

    ``not_reporting`` replaces the drawn never-reporting municipalities of the IGs it names.
    """

    enabled: bool = True
    not_reporting: dict[str, tuple[str, ...]] = field(default_factory=dict)
    invalid_share: float | None = None
    late_report_share: float | None = None
    outages_per_year: float | None = None

    def __post_init__(self) -> None:
        for name in ("invalid_share", "late_report_share"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 0.5:
                raise InputError(f"--{name.replace('_', '-')} must be 0..0.5, got {value}")
        if self.outages_per_year is not None and not 0.0 <= self.outages_per_year <= 50:
            raise InputError(f"--outages-per-year must be 0..50, got {self.outages_per_year}")

    def as_dict(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "not_reporting": {k: list(v) for k, v in sorted(self.not_reporting.items())},
            "invalid_share": self.invalid_share,
            "late_report_share": self.late_report_share,
            "outages_per_year": self.outages_per_year,
        }


def parse_not_reporting(text: str | None) -> dict[str, tuple[str, ...]]:
    """``prevention=101,147;care=851`` -> ``{"prevention": ("101", "147"), ...}``.

    An IG with an empty list (``prevention=``) means every municipality reports it.
    """
    result: dict[str, tuple[str, ...]] = {}
    if not text:
        return result
    valid = {m.kommunekode for m in municipalities()}
    for part in text.split(";"):
        item = part.strip()
        if not item:
            continue
        ig, sep, codes = item.partition("=")
        ig = ig.strip()
        if not sep:
            raise InputError(
                f"--not-reporting item {item!r} is not IG=KOMMUNEKODE,...",
                hint="e.g. prevention=101,147;care=851",
            )
        if ig not in IGS:
            guess = nearest(ig, list(IGS))
            raise InputError(
                f"--not-reporting: unknown IG {ig!r}",
                hint=(f"did you mean {guess}? " if guess else "") + "valid: " + ", ".join(IGS),
            )
        kept: list[str] = []
        for code in (c.strip() for c in codes.split(",")):
            if not code:
                continue
            if code not in valid:
                guess = nearest(code, sorted(valid))
                raise InputError(
                    f"--not-reporting {ig}: {code!r} is not a kommunekode",
                    hint=f"did you mean {guess}?" if guess else "three digits, e.g. 101",
                )
            kept.append(code)
        if ig in result:
            raise InputError(f"--not-reporting: IG {ig!r} given twice")
        result[ig] = tuple(sorted(set(kept)))
    return result
