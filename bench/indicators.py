"""Indicator engine: wall time and peak memory of K1/K2 (copd) against a pandas baseline.

Generates a Synthetic Denmark sample (or uses ``--data``), imports it into a temporary
registry, then computes the copd database (K1, K2) for one period three ways, each in a
fresh process so peak RSS is its own:

- ``pandas``: a straightforward pandas implementation of the same rules (the baseline);
- ``duckdb``: ``tvaers registry run`` on DuckDB (the default engine);
- ``spark``: the same on Spark local[2] (only with ``--spark``; JVM memory is not counted).

The table prints seconds, peak MB and the speed ratio against pandas, and checks that every
engine finds the same national counts.

    python bench/indicators.py                         # 100k citizens, period 2024
    python bench/indicators.py --citizens 596000 --spark   # about the 10 % country
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
engine, registry, period, cutoff = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
t0 = time.perf_counter()
if engine == "pandas":
    sys.path.insert(0, sys.argv[5])
    from indicators import pandas_copd
    counts = pandas_copd(registry, period, cutoff)
else:
    from tvaers.registry.runs import run_database
    from tvaers.registry.store import RegistryStore
    out = run_database("copd", RegistryStore(registry), period, engine=engine,
                       out=__import__("pathlib").Path(registry) / "bench" / engine)
    counts = {r["indicator"]: [r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]]
              for r in out.rows if r["unit_type"] == "national"}
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "counts": counts}))
"""


def pandas_copd(registry: str, period: str, cutoff: str) -> dict[str, list[int]]:
    """K1 and K2 national counts with plain pandas (the baseline; same rules as copd.yaml)."""
    import pandas as pd

    from tvaers.registry.store import RegistryStore

    store = RegistryStore(Path(registry))
    read = lambda name: pd.read_parquet(store.require(name, ""))  # noqa: E731
    contacts, diagnoses, cpr = read("lpr_contacts"), read("lpr_diagnoses"), read("cpr")
    phys = contacts[contacts.contact_type == "physical"].sort_values(["pid", "start", "contact_id"])
    phys = phys.reset_index(drop=True)
    ends = phys["end"].fillna(pd.Timestamp.max)
    prev_end = ends.groupby(phys["pid"]).cummax().groupby(phys["pid"]).shift()
    new_chain = prev_end.isna() | (phys["start"] > prev_end + pd.Timedelta(hours=4))
    phys["chain"] = new_chain.astype(int).groupby(phys["pid"]).cumsum()
    phys["admission_start"] = phys.groupby(["pid", "chain"])["start"].transform("min")
    grouped = phys.groupby(["pid", "chain"])
    adm = grouped.agg(
        start=("start", "min"),
        end=("end", "max"),
        priority=("priority", "first"),
        open=("end", lambda s: s.isna().any()),
        admission_id=("contact_id", "first"),
    )
    adm = adm[adm.open | (adm.end - adm.start >= pd.Timedelta(hours=12))].reset_index()
    adm.loc[adm.open, "end"] = pd.NaT
    # qualifying contacts: within the first 2 days, COPD as A, or as B with DJ96/DJ13-18 as A
    diag = diagnoses.merge(
        phys[["contact_id", "pid", "chain", "start", "admission_start"]], on="contact_id"
    )
    early = (diag.start.dt.normalize() - diag.admission_start.dt.normalize()).dt.days.between(0, 2)
    diag = diag[early]
    copd_a = diag[(diag.diag_type == "A") & diag.code.str.startswith("DJ44")]
    b_contacts = set(diag[(diag.diag_type == "B") & diag.code.str.startswith("DJ44")].contact_id)
    a_other = diag[(diag.diag_type == "A") & diag.code.str.match(r"^DJ(96|1[3-8])")]
    copd_b = a_other[a_other.contact_id.isin(b_contacts)]
    keys = pd.concat([copd_a, copd_b])[["pid", "chain"]].drop_duplicates()
    courses = adm.merge(keys, on=["pid", "chain"]).merge(cpr, on="pid")
    courses = courses[(courses.priority == "acute") & courses.end.notna()]
    start_d = courses.start.dt.normalize()
    birth = pd.to_datetime(courses.birth_date)
    age = (
        start_d.dt.year
        - birth.dt.year
        - (
            (start_d.dt.month * 100 + start_d.dt.day) < (birth.dt.month * 100 + birth.dt.day)
        ).astype(int)
    )
    courses = courses[age >= 30].copy()
    cut = pd.Timestamp(cutoff)
    acute = adm[adm.priority == "acute"][["pid", "admission_id", "start"]]
    pairs = courses[["pid", "admission_id", "end"]].merge(acute, on="pid", suffixes=("", "_r"))
    gap = (pairs.start.dt.normalize() - pairs.end.dt.normalize()).dt.days
    readmitted = set(
        pairs[(pairs.admission_id != pairs.admission_id_r) & gap.between(1, 30)].admission_id
    )

    def count(anchor: pd.Series, numerator: pd.Series, excluded: pd.Series) -> list[int]:
        days = lambda col: (pd.to_datetime(courses[col]) - anchor).dt.days  # noqa: E731
        in_period = anchor.dt.year.astype(str).str.startswith(period[:4])
        if len(period) == 7:
            in_period &= anchor.dt.strftime("%Y-%m") == period
        uoplyst = ~excluded & (
            days("emigration_date").between(0, 30) | ((cut - anchor).dt.days < 30)
        )
        num = ~excluded & ~uoplyst & numerator
        den = ~excluded & ~uoplyst
        return [
            int((num & in_period).sum()),
            int((den & in_period).sum()),
            int((uoplyst & in_period).sum()),
            int((excluded & in_period).sum()),
        ]

    died_after = lambda anchor: (pd.to_datetime(courses.death_date) - anchor).dt.days.between(0, 30)  # noqa: E731
    d_end, d_start = courses.end.dt.normalize(), courses.start.dt.normalize()
    return {
        "K1": count(d_end, courses.admission_id.isin(readmitted), died_after(d_end)),
        "K2": count(d_start, died_after(d_start), pd.Series(False, index=courses.index)),
    }


def child(engine: str, registry: Path, period: str, cutoff: str) -> dict[str, object]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            engine,
            str(registry),
            period,
            cutoff,
            str(Path(__file__).parent),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{engine} failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def prepare(data: Path | None, citizens: int, work: Path) -> tuple[Path, str, float]:
    """Synthetic data (generated unless given) imported into a registry; returns its cut-off."""
    from datetime import date

    from tvaers.registry.imports import import_group
    from tvaers.registry.pseudonym import load_or_create_key
    from tvaers.registry.store import RegistryStore

    if data is None:
        from tvaers.synth.config import SynthConfig
        from tvaers.synth.generate import generate

        data = work / "synth"
        config = SynthConfig(
            citizens=citizens, start=date(2023, 1, 1), end=date(2025, 12, 31), seed=2025
        )
        generate(config, data, workers=1)
    store = RegistryStore(work / "registry")
    key = load_or_create_key(work / "key")
    t0 = time.perf_counter()
    for group in ("cpr", "lpr"):
        import_group(store, key, group, data, cpr_mode="synthetic")
    seconds = time.perf_counter() - t0
    cutoff = min(t.data_cutoff or "9999" for t in store.manifest().tables.values())
    return store.root, cutoff, seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="an existing `tvaers synth generate` folder")
    parser.add_argument("--period", default="2024")
    parser.add_argument("--spark", action="store_true", help="also run Spark local[2]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tvaers-bench-") as tmp:
        registry, cutoff, import_s = prepare(args.data, args.citizens, Path(tmp))
        engines = ["pandas", "duckdb", *(["spark"] if args.spark else [])]
        results = {engine: child(engine, registry, args.period, cutoff) for engine in engines}
    base = float(results["pandas"]["seconds"])  # type: ignore[arg-type]
    print(
        f"copd {args.period}, {args.data or f'{args.citizens:,} synthetic citizens'}; import {import_s:.1f} s"
    )
    print(
        f"{'engine':<8} {'seconds':>8} {'peak MB':>8} {'speed vs pandas':>16}  K1 (num/den/uopl/excl)   K2"
    )
    for engine, r in results.items():
        seconds = float(r["seconds"])  # type: ignore[arg-type]
        peak = int(r["peak_kb"]) / 1024  # type: ignore[call-overload]
        counts = r["counts"]
        print(
            f"{engine:<8} {seconds:>8.2f} {peak:>8.0f} {base / seconds:>15.2f}x  {counts['K1']}  {counts['K2']}"
        )  # type: ignore[index]
    same = len({json.dumps(r["counts"], sort_keys=True) for r in results.values()}) == 1
    print("same national counts in every engine:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
