"""Indicator engine: every database on DuckDB, against straightforward pandas (H1, K1, M3).

Uses a registry prepared from a Synthetic Denmark run (``--registry``), or prepares one
(``--data`` folder of ``tvaers synth generate``, or generates ``--citizens``): CPR, LPR,
organisations and the delivery reports. Every measurement runs in a fresh process, so peak
RSS is its own:

1. H1 (heart), K1 (copd) and M3 (rehab) computed by a plain pandas implementation of the
   same rules (the baseline) and by the engine on DuckDB (``registry run --indicator``);
   seconds in a fresh process and warm (best of two more runs in it), peak MB, both speed
   ratios, and whether the national counts are equal;
2. every database in full on DuckDB (all indicators, results and unit files written);
3. with ``--spark``, the same on Spark local[2] for reference (JVM memory not counted).

    python bench/indicators.py --citizens 100000                # generate, prepare, measure
    python bench/indicators.py --registry /tmp/reg590 --spark   # a prepared 10 % country
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DATABASES = ("heart", "copd", "diabetes", "rehab", "prevention")
PAIRS = (("H1", "heart"), ("K1", "copd"), ("M3", "rehab"))

CHILD = r"""
import json, resource, sys, time
mode, registry, period, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
runs = int(extra.pop()) if extra and extra[-1].isdigit() else 1


def once():
    if mode == "pandas":
        sys.path.insert(0, extra[1])
        import indicators
        return {extra[0]: indicators.PANDAS[extra[0]](registry, period)}
    from pathlib import Path
    from tvaers.registry.runs import run_database
    from tvaers.registry.store import RegistryStore
    database, only = extra[0], extra[1:] or None
    out = run_database(database, RegistryStore(registry), period, engine=mode, indicators=only,
                       out=Path(registry) / "bench" / mode / database)
    return {r["indicator"]: [r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]]
            for r in out.rows if r["unit_type"] == "national" and r["stratum"] is None}


times = []
for _ in range(runs):  # the first run pays the imports; later ones are warm
    t0 = time.perf_counter()
    counts = once()
    times.append(time.perf_counter() - t0)
print(json.dumps({"seconds": times[0], "warm": min(times[1:], default=None),
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "counts": counts}))
"""


# --------------------------------------------------------------------- pandas baseline
# Straightforward pandas implementations of H1, K1 and M3 with the rules of heart.yaml,
# copd.yaml and rehab.yaml (default parameters): read the store's Parquet files into
# DataFrames, derive admissions, filter and join. National counts [numerator,
# denominator, uoplyst, excluded].

PCI = {"KFNG00", "KFNG02", "KFNG02A", "KFNG05", "KFNG05A", "KFNG10", "KFNG12", "KFNG20",
       "KFNG22", "KFNG30", "KFNG40", "KFNG96", "KZFX01"}  # fmt: skip
CABG = tuple(f"KFN{x}" for x in "ABCDEFHJKW")
FORLOEB = "5c160c02-e858-4c1f-925a-71ed64844749"
TRAINING = "ab87c0b5-40be-4e0a-b749-d9f833bfed2d"
STATUS_REASONS = {
    "a8632e22-bf0c-4f5a-92a7-70977ba104d5", "3796fa11-305f-47d6-b164-45b05489afb2",
    "46a6bc1f-bfe8-4390-a71f-44ad4a384b9d", "f64b8f5e-8ced-4a8b-ab73-8994fb524915",
    "8ac7be88-5d16-4dbd-a61a-ab02673f4b34",
}  # fmt: skip


def _store(registry: str, tables: tuple[str, ...]) -> tuple[Any, Any]:
    """(reader, data cut-off = the oldest of ``tables``) of a registry."""
    import pandas as pd

    from tvaers.registry.store import RegistryStore

    store = RegistryStore(Path(registry))
    manifest = store.manifest()
    cutoff = min(pd.Timestamp(manifest.tables[t].data_cutoff) for t in tables)
    return (lambda name: pd.read_parquet(store.require(name, ""))), cutoff


def _current(frame: Any) -> Any:
    """Current, valid versions of a flat municipal table."""
    return frame[frame.known_to.isna() & ~frame.invalid.fillna(False)]


def _days(later: Any, earlier: Any) -> Any:
    return (later.dt.normalize() - earlier.dt.normalize()).dt.days


def _period(period: str, cutoff: Any) -> tuple[Any, Any]:
    import pandas as pd

    first = pd.Timestamp(f"{period}-01-01" if len(period) == 4 else f"{period}-01")
    last = (first + pd.offsets.YearEnd(0)) if len(period) == 4 else (first + pd.offsets.MonthEnd(0))
    return first, min(last, cutoff)


def _admissions(contacts: Any) -> tuple[Any, Any]:
    """(physical contacts with their chain, admissions): the LPR3 chain rule."""
    import pandas as pd

    phys = contacts[contacts.contact_type == "physical"].sort_values(["pid", "start", "contact_id"])
    phys = phys.reset_index(drop=True)
    ends = phys["end"].fillna(pd.Timestamp.max)
    prev_end = ends.groupby(phys["pid"]).cummax().groupby(phys["pid"]).shift()
    new_chain = prev_end.isna() | (phys["start"] > prev_end + pd.Timedelta(hours=4))
    phys["chain"] = new_chain.astype(int).groupby(phys["pid"]).cumsum()
    phys["admission_start"] = phys.groupby(["pid", "chain"])["start"].transform("min")
    last = phys.sort_values(["end", "contact_id"], ascending=False).drop_duplicates(
        ["pid", "chain"]
    )
    adm = phys.groupby(["pid", "chain"]).agg(
        start=("start", "min"), end=("end", "max"), priority=("priority", "first"),
        open=("end", lambda s: s.isna().any()), admission_id=("contact_id", "first"),
    )  # fmt: skip
    adm = adm.join(last.set_index(["pid", "chain"])["sor_unit"].rename("discharge_sor"))
    adm = adm[adm.open | (adm.end - adm.start >= pd.Timedelta(hours=12))].reset_index()
    adm.loc[adm.open, "end"] = pd.NaT
    return phys, adm


def _age(birth: Any, day: Any) -> Any:
    import pandas as pd

    birth = pd.to_datetime(birth)
    before = (day.dt.month * 100 + day.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    return day.dt.year - birth.dt.year - before.astype(int)


def _residence(units: Any, residence: Any, day: str) -> Any:
    """The residence municipality on each unit's ``day`` (None when unknown)."""
    import pandas as pd

    res = residence.copy()
    res["valid_from"] = pd.to_datetime(res.valid_from)
    res["valid_to"] = pd.to_datetime(res.valid_to)
    joined = units[["unit_id", "pid", day]].merge(res, on="pid")
    ok = (joined.valid_from <= joined[day]) & (
        joined.valid_to.isna() | (joined[day] < joined.valid_to)
    )
    joined = joined[ok].sort_values(
        ["unit_id", "valid_from", "kommunekode"], ascending=[True, False, True]
    )
    found = joined.drop_duplicates("unit_id").set_index("unit_id")["kommunekode"]
    return units.unit_id.map(found)


def _counts(excluded: Any, uoplyst: Any, numerator: Any) -> list[int]:
    uoplyst = uoplyst & ~excluded
    numerator = numerator & ~excluded & ~uoplyst
    rest = ~excluded & ~uoplyst
    return [int(numerator.sum()), int(rest.sum()), int(uoplyst.sum()), int(excluded.sum())]


def pandas_h1(registry: str, period: str) -> list[int]:
    import pandas as pd

    tables = ("cpr", "cpr_residence", "lpr_contacts", "lpr_diagnoses", "lpr_procedures",
              "careplans_119", "interventions_119", "coverage")  # fmt: skip
    read, cutoff = _store(registry, tables)
    phys, adm = _admissions(read("lpr_contacts"))
    diag, proc, cpr = read("lpr_diagnoses"), read("lpr_procedures"), read("cpr")
    keyed = phys[["contact_id", "pid", "chain"]]
    ami = diag[(diag.diag_type == "A") & diag.code.str.match(r"^DI2[12]")].merge(keyed)
    pci = proc[proc.code.isin(PCI)].merge(keyed)
    cabg = proc[proc.code.str.startswith(CABG)].merge(keyed)
    hits = pd.concat([ami, pci, cabg])[["pid", "chain"]].drop_duplicates()
    cand = adm[adm.end.notna()].merge(hits).merge(cpr, on="pid")
    cand["day"] = cand.end.dt.normalize()
    cand = cand[_age(cand.birth_date, cand.day) >= 18].sort_values(["pid", "day", "admission_id"])
    kept, last = [], {}
    for row in cand.itertuples():  # greedy: a new index only more than 365 days later
        if row.pid not in last or (row.day - last[row.pid]).days > 365:
            kept.append(row.Index)
            last[row.pid] = row.day
    units = cand.loc[kept].rename(columns={"admission_id": "unit_id"})
    first, final = _period(period, cutoff)
    units = units[(units.day >= first) & (units.day <= final)].copy()
    units["muni"] = _residence(units, read("cpr_residence"), "day")
    death = _days(pd.to_datetime(units.death_date), units.day)
    emigration = _days(pd.to_datetime(units.emigration_date), units.day)
    cov = read("coverage")
    cov = cov[(cov.ig == "prevention") & (cov.accepted > 0)]
    cov_month = pd.to_datetime(cov.month).dt.year * 12 + pd.to_datetime(cov.month).dt.month
    m0 = units.day.dt.year * 12 + units.day.dt.month
    end90 = units.day + pd.Timedelta(days=90)
    m1 = end90.dt.year * 12 + end90.dt.month
    months = (
        units[["unit_id", "muni"]]
        .assign(m0=m0, m1=m1)
        .merge(
            cov.assign(m=cov_month)[["kommunekode", "m"]], left_on="muni", right_on="kommunekode"
        )
    )
    reported = set(months[(months.m >= months.m0) & (months.m <= months.m1)].unit_id)
    plans = _current(read("careplans_119"))
    plans = plans[plans.category == FORLOEB][["pid", "period_start"]]
    training = _current(read("interventions_119"))
    training = training[training.code == TRAINING][["pid", "period_start"]]
    starts = units[["unit_id", "pid", "day"]].merge(pd.concat([plans, training]), on="pid")
    gap = _days(pd.to_datetime(starts.period_start), starts.day)
    started = set(starts[gap.between(0, 90)].unit_id)
    excluded = death.between(0, 30)
    uoplyst = (
        units.muni.isna()
        | (units.muni.notna() & ~units.unit_id.isin(reported))
        | emigration.between(0, 90)
        | ((cutoff - units.day).dt.days < 90)
    )
    return _counts(excluded, uoplyst, units.unit_id.isin(started))


def pandas_k1(registry: str, period: str) -> list[int]:
    import pandas as pd

    tables = ("cpr", "cpr_residence", "lpr_contacts", "lpr_diagnoses", "lpr_procedures")
    read, cutoff = _store(registry, tables)
    phys, adm = _admissions(read("lpr_contacts"))
    diag = read("lpr_diagnoses").merge(
        phys[["contact_id", "pid", "chain", "start", "admission_start"]]
    )
    diag = diag[_days(diag.start, diag.admission_start).between(0, 2)]
    copd_a = diag[(diag.diag_type == "A") & diag.code.str.startswith("DJ44")]
    b_contacts = set(diag[(diag.diag_type == "B") & diag.code.str.startswith("DJ44")].contact_id)
    a_other = diag[(diag.diag_type == "A") & diag.code.str.match(r"^DJ(96|1[3-8])")]
    keys = pd.concat([copd_a, a_other[a_other.contact_id.isin(b_contacts)]])[["pid", "chain"]]
    units = adm.merge(keys.drop_duplicates()).merge(read("cpr"), on="pid")
    units = units[(units.priority == "acute") & units.end.notna()]
    units = units[_age(units.birth_date, units.start.dt.normalize()) >= 30].copy()
    units["day"] = units.end.dt.normalize()
    first, final = _period(period, cutoff)
    units = units[(units.day >= first) & (units.day <= final)]
    acute = adm[adm.priority == "acute"][["pid", "admission_id", "start"]]
    pairs = units[["pid", "admission_id", "day"]].merge(acute, on="pid", suffixes=("", "_r"))
    gap = _days(pairs.start, pairs.day)
    readmitted = set(
        pairs[(pairs.admission_id != pairs.admission_id_r) & gap.between(1, 30)].admission_id
    )
    death = _days(pd.to_datetime(units.death_date), units.day)
    emigration = _days(pd.to_datetime(units.emigration_date), units.day)
    uoplyst = emigration.between(0, 30) | ((cutoff - units.day).dt.days < 30)
    return _counts(death.between(0, 30), uoplyst, units.admission_id.isin(readmitted))


def pandas_m3(registry: str, period: str) -> list[int]:
    import pandas as pd

    tables = ("cpr", "cpr_residence", "lpr_contacts", "lpr_diagnoses", "lpr_procedures",
              "servicerequests_140")  # fmt: skip
    read, cutoff = _store(registry, tables)
    sr = _current(read("servicerequests_140")).merge(read("cpr")[["pid"]], on="pid")
    sr["day"] = pd.to_datetime(sr.authored_on)
    first, final = _period(period, cutoff)
    sr = sr[(sr.day >= first) & (sr.day <= final)]
    offer = _days(pd.to_datetime(sr.occurrence_start), pd.to_datetime(sr.precondition_date))
    # completeness (part of M3's row): discharges that should carry a GOP, and whether a
    # §140 referral followed within 3 days
    phys, adm = _admissions(read("lpr_contacts"))
    diag, proc = read("lpr_diagnoses"), read("lpr_procedures")
    keyed = phys[["contact_id", "pid", "chain"]]
    hits = pd.concat([
        diag[(diag.diag_type == "A") & diag.code.str.match(r"^(DS72|DI61|DI63)")].merge(keyed),
        proc[proc.code.str.match(r"^(KNFB|KNGB)")].merge(keyed),
    ])[["pid", "chain"]].drop_duplicates()  # fmt: skip
    gop = adm[adm.end.notna()].merge(hits).merge(read("cpr"), on="pid")
    gop["day"] = gop.end.dt.normalize()
    gop = gop[(_age(gop.birth_date, gop.day) >= 18) & (gop.day >= first) & (gop.day <= final)]
    referrals = _current(read("servicerequests_140"))[["pid", "authored_on"]]
    pairs = gop[["admission_id", "pid", "day"]].merge(referrals, on="pid")
    found = pairs[_days(pd.to_datetime(pairs.authored_on), pairs.day).between(0, 3)]
    assert found.admission_id.nunique() <= len(gop)  # the completeness numerator
    return _counts(
        sr.status_reason.isin(STATUS_REASONS), sr.occurrence_start.isna(), offer.between(-3650, 7)
    )


PANDAS = {"H1": pandas_h1, "K1": pandas_k1, "M3": pandas_m3}


def child(mode: str, registry: Path, period: str, *extra: str) -> dict[str, object]:
    """Run one measurement in a fresh interpreter; its JSON result."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(registry), period, *extra],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{mode} {extra} failed:\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


PREPARE = r"""
import json, resource, sys, time
from pathlib import Path
from tvaers.registry.imports import import_group
from tvaers.registry.pseudonym import load_or_create_key
from tvaers.registry.reports import import_reports
from tvaers.registry.store import RegistryStore
data, work = Path(sys.argv[1]), Path(sys.argv[2])
store = RegistryStore(work / "registry")
key = load_or_create_key(work / "key")
times = {}
for group in ("cpr", "lpr", "organisations"):
    t0 = time.perf_counter()
    import_group(store, key, group, data, cpr_mode="synthetic", data_cutoff=None)
    times[group] = time.perf_counter() - t0
t0 = time.perf_counter()
import_reports(store, key, data / "reports", cpr_mode="synthetic")
times["reports"] = time.perf_counter() - t0
print(json.dumps({"times": times, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def prepare(data: Path | None, citizens: int, work: Path) -> tuple[Path, dict[str, object]]:
    """A registry with CPR, LPR, organisations and the reports of a synthetic run."""
    if data is None:
        data = work / "synth"
        generated = subprocess.run(
            [sys.executable, "-m", "tvaers.cli.main", "synth", "generate", "--citizens", str(citizens),
             "--seed", "2025", "--out", str(data)],
            capture_output=True, text=True,
        )  # fmt: skip
        if generated.returncode:
            raise SystemExit(generated.stderr[-3000:])
    done = subprocess.run(
        [sys.executable, "-c", PREPARE, str(data), str(work)], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    info: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return work / "registry", info


def _mb(result: dict[str, object]) -> float:
    return int(result["peak_kb"]) / 1024  # type: ignore[call-overload]


def _s(result: dict[str, object]) -> float:
    return float(result["seconds"])  # type: ignore[arg-type]


def _w(result: dict[str, object]) -> float:
    """The best of the warm runs (libraries imported, files in the page cache)."""
    return float(result["warm"])  # type: ignore[arg-type]


def compare(registry: Path, period: str) -> bool:
    """Table 1: pandas vs DuckDB for H1, K1, M3 (same process start-up for both).

    Each child runs the computation three times: ``seconds`` is the first run in a fresh
    interpreter (imports included: what a command costs), ``warm s`` the best of the other
    two (what the computation itself costs once the libraries are loaded).
    """
    here = str(Path(__file__).parent)
    print(
        f"\n{'indicator':<10} {'engine':<7} {'seconds':>8} {'peak MB':>8} {'ratio':>7} "
        f"{'warm s':>7} {'ratio':>7}  national counts"
    )
    same = True
    for indicator, database in PAIRS:
        base = child("pandas", registry, period, indicator, here, "3")
        duck = child("duckdb", registry, period, database, indicator, "3")
        for name, r in (("pandas", base), ("duckdb", duck)):
            ratio, warm = _s(base) / _s(r), _w(base) / _w(r)
            counts = r["counts"][indicator]  # type: ignore[index]
            print(
                f"{indicator:<10} {name:<7} {_s(r):>8.2f} {_mb(r):>8.0f} {ratio:>6.1f}x "
                f"{_w(r):>7.2f} {warm:>6.1f}x  {counts}"
            )
        same &= base["counts"] == duck["counts"]
    print("same national counts (pandas = DuckDB):", "yes" if same else "NO")
    return same


def everything(registry: Path, period: str, engines: list[str]) -> None:
    """Table 2: every database in full, per engine."""
    print(f"\n{'database':<11} {'engine':<7} {'seconds':>8} {'peak MB':>8}  indicators")
    totals: dict[str, float] = {}
    for database in DATABASES:
        for engine in engines:
            r = child(engine, registry, period, database)
            totals[engine] = totals.get(engine, 0.0) + _s(r)
            names = ",".join(sorted(r["counts"]))  # type: ignore[arg-type]
            print(f"{database:<11} {engine:<7} {_s(r):>8.2f} {_mb(r):>8.0f}  {names}")
    for engine, seconds in totals.items():
        print(f"{'all five':<11} {engine:<7} {seconds:>8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="an existing `tvaers synth generate` folder")
    parser.add_argument("--registry", type=Path, help="a registry prepared by this script")
    parser.add_argument("--keep", type=Path, help="prepare into this folder and keep it")
    parser.add_argument("--period", default="2025")
    parser.add_argument("--spark", action="store_true", help="also run Spark local[2]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tvaers-bench-") as tmp:
        registry = args.registry
        if registry is None:
            work = args.keep or Path(tmp)
            t0 = time.perf_counter()
            registry, info = prepare(args.data, args.citizens, work)
            times = {k: round(v, 1) for k, v in info["times"].items()}  # type: ignore[attr-defined]
            print(f"prepared in {time.perf_counter() - t0:.0f} s: imports {times} s, "
                  f"peak {_mb(info):.0f} MB")  # fmt: skip
        print(f"registry {registry}, period {args.period}")
        same = compare(registry, args.period)
        everything(registry, args.period, ["duckdb", *(["spark"] if args.spark else [])])
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
