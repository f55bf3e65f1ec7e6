"""The measures of the calibration table: query results turned into rates with targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tvaers.synth.calibration import Measure
from tvaers.synth.config import COHORTS
from tvaers.synth.params import Parameters

Run = Callable[[str], list[tuple[Any, ...]]]
COHORT_OF = {c: cohort for cohort, members in COHORTS.items() for c in members}


def build_measures(
    run: Run, demo: tuple[Any, ...], enrichment: dict[str, float], params: Parameters
) -> list[Measure]:
    """Every measure, in the order of the printed table."""
    ctx = _Ctx(run, demo, enrichment, params)
    return [
        *_demography(ctx),
        *_conditions(ctx),
        *_heart(ctx),
        *_copd(ctx),
        *_municipal(ctx),
        *_rules(ctx),
    ]


class _Ctx:
    def __init__(
        self, run: Run, demo: tuple[Any, ...], enrichment: dict[str, float], params: Parameters
    ):
        self.run, self.params = run, params
        self.person_years, self.residents = float(demo[0]), int(demo[1])
        self.demo = demo
        self.enrichment = enrichment
        self.national = params.num("demography.national_population")
        self.years = 0.0

    def factor(self, condition: str) -> float:
        return self.enrichment.get(COHORT_OF.get(condition, ""), 1.0)

    def national_count(self, count: float, condition: str = "") -> float:
        """A count among our residents as a national count, enrichment removed."""
        return count / max(self.residents, 1) * self.national / self.factor(condition)

    def national_per_year(self, count: float, condition: str = "") -> float:
        """Events in the window as a national count per year (per person-year), enrichment removed."""
        return count / max(self.person_years, 1e-9) * self.national / self.factor(condition)

    def measure(
        self, group: str, name: str, value: float | None, key: str, unit: str, note: str = ""
    ) -> Measure:
        target = self.params.get(f"targets.{key}")
        extra = "; ".join(x for x in (target.get("note", ""), note) if x)
        return Measure(group, name, value, float(target["value"]), unit, target["source"], extra)


def _per(count: float, person_years: float, scale: float) -> float | None:
    return count / person_years * scale if person_years > 0 else None


def _share(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _demography(ctx: _Ctx) -> list[Measure]:
    _, _, deaths, births, emigrations, male, aged65 = ctx.demo
    moves = ctx.run("moves")[0][0]
    py = ctx.person_years
    return [
        ctx.measure("population", "men, share of residents", male, "male_share", "%"),
        ctx.measure("population", "aged 65+, share of residents", aged65, "aged_65_share", "%"),
        ctx.measure(
            "population",
            "deaths",
            _per(deaths, py, 1000),
            "deaths_per_1000",
            "per 1,000 PY",
            "includes the modelled disease deaths",
        ),
        ctx.measure(
            "population", "births", _per(births, py, 1000), "births_per_1000", "per 1,000 PY"
        ),
        ctx.measure(
            "population",
            "emigrations",
            _per(emigrations, py, 1000),
            "emigrations_per_1000",
            "per 1,000 PY",
        ),
        ctx.measure(
            "population",
            "moves between municipalities",
            _per(moves, py, 1000),
            "moves_per_1000",
            "per 1,000 PY",
        ),
    ]


def _conditions(ctx: _Ctx) -> list[Measure]:
    rows = {r[0]: r for r in ctx.run("prevalence")}
    out = []
    for name in ("ihd", "hf", "copd", "t2d", "t1d"):
        prevalent = rows.get(name, (name, 0, 0, None))[1]
        out.append(
            ctx.measure(
                "conditions",
                f"{name} living with (national)",
                ctx.national_count(prevalent, name),
                f"{name}_prevalent",
                "persons",
            )
        )
    for name in ("t2d", "t1d", "hf", "copd"):
        incident = rows.get(name, (name, 0, 0, None))[2]
        out.append(
            ctx.measure(
                "conditions",
                f"{name} new per year (national)",
                ctx.national_per_year(incident, name),
                f"{name}_incident",
                "persons/year",
            )
        )
    diabetic = [rows[n] for n in ("t1d", "t2d") if n in rows and rows[n][3] is not None]
    male = sum(r[3] * r[1] for r in diabetic) / max(sum(r[1] for r in diabetic), 1)
    out.append(ctx.measure("conditions", "diabetes, men's share", male, "diabetes_male_share", "%"))
    band_py = {r[0]: float(r[1]) for r in ctx.run("band_person_years")}
    band_new = {r[0]: int(r[1]) for r in ctx.run("hf_incidence_by_band")}
    for band, key in (("65-74", "hf_incidence_65_74"), ("75+", "hf_incidence_75plus")):
        rate = _per(band_new.get(band, 0) / ctx.factor("hf"), band_py.get(band, 0.0), 10_000)
        out.append(
            ctx.measure(
                "conditions",
                f"hf incidence, age {band}",
                rate,
                key,
                "per 10,000 PY",
                "age on the start date",
            )
        )
    return out


def _heart(ctx: _Ctx) -> list[Measure]:
    adult_py = {r[0]: float(r[1]) for r in ctx.run("adult_person_years")}
    counts = {r[0]: r for r in ctx.run("ami_incidence")}
    f = ctx.factor("ami")
    men70 = counts.get("M", ("M", 0, 0))[2]
    py70 = float(ctx.run("men_70_79_person_years")[0][0] or 0.0)
    [(persons, referred)] = ctx.run("heart_referral")
    return [
        ctx.measure(
            "heart",
            "first MI (DI21 A, acute admission), men",
            _per(counts.get("M", ("M", 0))[1] / f, adult_py.get("M", 0.0), 1e5),
            "ami_incidence_men",
            "per 100,000 PY",
            "LPR rule, adults",
        ),
        ctx.measure(
            "heart",
            "first MI (DI21 A, acute admission), women",
            _per(counts.get("F", ("F", 0))[1] / f, adult_py.get("F", 0.0), 1e5),
            "ami_incidence_women",
            "per 100,000 PY",
            "LPR rule, adults",
        ),
        ctx.measure(
            "heart",
            "first MI, men aged 70-79",
            _per(men70 / f, py70, 1e5),
            "ami_incidence_men_70_79",
            "per 100,000 PY",
        ),
        ctx.measure(
            "heart",
            "§119 referral after AMI/PCI/CABG",
            _share(referred, persons),
            "heart_referral_share",
            "%",
            f"{persons:,} index persons",
        ),
    ]


def _copd(ctx: _Ctx) -> list[Measure]:
    ctx.run("copd_courses")
    per_year = float(ctx.run("copd_admissions_per_year")[0][0] or 0.0)
    outcomes = {r[0]: r for r in ctx.run("copd_outcomes")}
    outpatients = float(ctx.run("copd_outpatients_per_year")[0][0] or 0.0)
    out = [
        ctx.measure(
            "copd",
            "acute exacerbation admissions per year (DrKOL rule)",
            ctx.national_count(per_year, "copd"),
            "copd_admissions",
            "courses/year",
        ),
        ctx.measure(
            "copd",
            "outpatients per year (DJ44 A, not admitted)",
            ctx.national_count(outpatients, "copd"),
            "copd_outpatients",
            "persons/year",
        ),
    ]
    for band, suffix in (("all", ""), ("30-59", "_30_59"), ("80+", "_80plus")):
        _, k1d, k1n, k2d, k2n = outcomes.get(band, (band, 0, 0, 0, 0))
        label = "" if band == "all" else f", age {band}"
        out.append(
            ctx.measure(
                "copd",
                f"K1 30-day readmission{label}",
                _share(k1n, k1d),
                f"copd_readmission{suffix}",
                "%",
                f"{k1n:,}/{k1d:,} courses",
            )
        )
        out.append(
            ctx.measure(
                "copd",
                f"K2 30-day mortality{label}",
                _share(k2n, k2d),
                f"copd_mortality{suffix}",
                "%",
                f"{k2n:,}/{k2d:,} courses",
            )
        )
    return out


def _municipal(ctx: _Ctx) -> list[Measure]:
    [(persons, almen, specialised)] = ctx.run("gop")
    return [
        ctx.measure(
            "§140",
            "persons with a GOP per year (national)",
            ctx.national_count(float(persons or 0)),
            "gop_persons",
            "persons/year",
            "GOPs after enriched pathways are not scaled back",
        ),
        ctx.measure("§140", "GOP almen share", almen, "gop_almen_share", "%"),
        ctx.measure("§140", "GOP specialiseret share", specialised, "gop_specialiseret_share", "%"),
    ]


def _rules(ctx: _Ctx) -> list[Measure]:
    [(derived, generated, matched, transfers, split)] = ctx.run("admission_check")
    return [
        Measure(
            "rules",
            "admissions by the SQL rule matching the generator's",
            _share(matched, generated),
            1.0,
            "%",
            "indicators.md",
            f"{derived:,} derived, {generated:,} generated, {transfers:,} with transfers",
        ),
        Measure(
            "rules",
            "transfers split into two admissions",
            float(split),
            0.0,
            "count",
            "indicators.md",
            "a transfer is never a readmission",
        ),
    ]
