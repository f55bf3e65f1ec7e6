"""``make demo``: the main job of tvaers end to end, on embedded defaults.

It grows with every capability. Each step runs the real ``tvaers`` commands as separate
processes (as an operator would), prints what it did and how long it took, and the final
summary goes to stdout. Services (gateway, dashboard) bind free local ports and are
stopped at the end unless ``--keep`` is given.

Run with ``python -m tvaers.cli.demo [--citizens N] [--keep] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tvaers.cli.console import err, out
from tvaers.cli.demo_steps import DemoRun
from tvaers.errors import TvaersError


# --- step_validate (owned by the validation work; keep edits inside this function) ---------
def step_validate(out_dir: Path) -> None:
    """Build delivery reports with the factories, validate them, print accepted/rejected."""
    from collections import Counter

    from tvaers.fhir.jsonio import dumps
    from tvaers.synth.factories import find, make_delivery_report
    from tvaers.validation import validate_report

    reports = {
        "care-valid": make_delivery_report("care", seed=1),
        "rehab-valid": make_delivery_report("rehab", seed=2),
        "prevention-valid": make_delivery_report("prevention", seed=3),
    }
    bad_cpr = make_delivery_report("care", cpr="3201010101", seed=10)  # no 32nd day
    reports["care-bad-cpr"] = bad_cpr
    misspelt = make_delivery_report("rehab", seed=11)
    condition = find(misspelt, "Condition", "140-condition")
    condition["recordedDat"] = condition.pop("recordedDate")  # a typo an EOJ export could make
    reports["rehab-misspelt"] = misspelt
    folder = out_dir / "validation"
    folder.mkdir(parents=True, exist_ok=True)
    rejected: Counter[str] = Counter()
    accepted = 0
    for name, report in reports.items():
        (folder / f"{name}.json").write_bytes(dumps(report, indent=True))
        result = validate_report(report)
        accepted += result.valid
        rejected.update(result.rules())
    out.print(
        f"Validation: {accepted} of {len(reports)} delivery reports accepted; rejected by rule:"
    )
    for rule, count in rejected.most_common():
        out.print(f"  {count} x {rule}", highlight=False)


# --- end of step_validate ------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--citizens", type=int, default=50_000, help="synthetic population size")
    parser.add_argument("--seed", type=int, default=2025, help="random seed of the population")
    parser.add_argument(
        "--enrich",
        default="heart=x40,copd=x20,diabetes=x5",
        help="cohort oversampling factors (printed in every output)",
    )
    parser.add_argument("--keep", action="store_true", help="keep services running at the end")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    err.rule("tvaers demo")
    step_validate(args.out)
    run = DemoRun(args.out, citizens=args.citizens, seed=args.seed, enrich=args.enrich)
    try:
        run.all()
        out.print(run.summary(), highlight=False)
        if args.keep:
            run.wait_for_interrupt()
    except TvaersError as exc:
        err.print(f"[bold red]demo failed:[/] {exc}", highlight=False)
        return exc.exit_code
    finally:
        run.stop_services()
    return 0


if __name__ == "__main__":
    sys.exit(main())
