"""Validation throughput: full tvaers validation vs orjson parsing vs fhir.resources.

Builds realistic delivery reports with the factories (care, rehab §140, prevention §119,
varied seeds; a few percent carry a typical EOJ mistake), serialises them, then times in
the same process, interleaved in rounds:

* ``orjson.loads`` alone (the floor: any validator must at least parse),
* ``fhir.resources`` 8.3.0 ``R4B.Bundle.model_validate_json`` (structural parse only;
  the reports it rejects are counted),
* ``tvaers.validation.validate_bytes`` (full validation: structure, terminology,
  invariants, references).

Times are CPU seconds of this process (``time.process_time``), interleaved in chunks, so
load from other processes on a shared machine affects every contender alike.

Prints reports/s, resources/s and the ratios. Run: ``python bench/validate.py [--reports N]``
(default 10,000; ``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import orjson

from tvaers.synth.factories import make_delivery_report
from tvaers.validation import validate_bytes


def build(count: int) -> tuple[list[bytes], int]:
    """``count`` serialised reports and their total number of resources."""
    igs = ("care", "rehab", "prevention")
    reports, resources = [], 0
    for seed in range(count):
        ig = igs[seed % 3]
        report = make_delivery_report(ig, seed=seed, legacy_codes=ig == "care" and seed % 7 == 0,
                                      transitional=ig == "care" and seed % 11 == 0)  # fmt: skip
        if seed % 25 == 0:  # a typical mistake: the condition's recorded date missing
            condition = next(
                e["resource"] for e in report["entry"] if "recordedDate" in e["resource"]
            )
            condition.pop("recordedDate")
        resources += 1 + len(report["entry"])
        reports.append(orjson.dumps(report))
    return reports, resources


def timed(fn: Callable[[bytes], object], reports: list[bytes]) -> tuple[float, int]:
    """Seconds for one pass and how many reports ``fn`` rejected (raised or invalid)."""
    rejected = 0
    start = (
        time.process_time()
    )  # CPU time of this process: other load on the machine does not count
    for data in reports:
        try:
            result = fn(data)
        except Exception:
            rejected += 1
            continue
        if getattr(result, "valid", True) is False:
            rejected += 1
    return time.process_time() - start, rejected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaving granularity")
    args = parser.parse_args(argv)
    from fhir.resources.R4B.bundle import Bundle

    reports, resources = build(args.reports)
    size = sum(len(r) for r in reports)
    contenders: dict[str, Callable[[bytes], object]] = {
        "orjson.loads (parse only)": orjson.loads,
        "fhir.resources R4B Bundle (structural parse)": Bundle.model_validate_json,
        "tvaers validate_bytes (full validation)": validate_bytes,
    }
    for fn in contenders.values():  # warm caches and lazy tables
        fn(reports[0])
    best = {name: (0.0, 0) for name in contenders}
    chunk = max(1, len(reports) // (args.rounds * 10))
    for number, start in enumerate(range(0, len(reports), chunk)):
        names = list(contenders)
        names = names[number % len(names) :] + names[: number % len(names)]  # rotate the order
        for name in names:  # interleaved: every contender sees the same machine load
            seconds, bad = timed(contenders[name], reports[start : start + chunk])
            total, rejected = best[name]
            best[name] = (total + seconds, rejected + bad)
    floor = best["orjson.loads (parse only)"][0]
    baseline = best["fhir.resources R4B Bundle (structural parse)"][0]
    print(f"{len(reports)} reports, {resources} resources, {size / 1e6:.1f} MB")
    print(
        f"{'contender':<46} {'reports/s':>10} {'resources/s':>12} {'rejected':>9} {'x orjson':>9} {'vs fhir.resources':>18}"
    )
    for name, (seconds, rejected) in best.items():
        print(f"{name:<46} {len(reports) / seconds:>10.0f} {resources / seconds:>12.0f} {rejected:>9} "
              f"{seconds / floor:>9.1f} {baseline / seconds:>17.2f}x")  # fmt: skip
    ours = best["tvaers validate_bytes (full validation)"][0]
    print(f"\nfull validation is {baseline / ours:.2f}x the speed of the fhir.resources structural parse "
          f"(target >= 2x) and {ours / floor:.0f}x the orjson floor")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
