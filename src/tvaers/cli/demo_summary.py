"""The closing summary of ``make demo``, read back from the files the demo published.

The headline figures come from the release's machine export (what a user downloads), not
from the engine's memory, and are also written to ``summary.json`` so that the CI smoke
can check them against the published files independently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvaers.terminology.geography import region_by_code

if TYPE_CHECKING:
    from tvaers.cli.demo_steps import DemoRun

#: (database, indicator) pairs shown in the summary, in this order.
HEADLINES: tuple[tuple[str, str], ...] = (("copd", "K1"), ("copd", "K2"), ("heart", "H1"))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}".replace(".", ",")


def danish_ci(row: dict[str, Any]) -> str:
    """ "16,3 % (95 %-KI 14,1–18,7)" from a results row; "skjult" when suppressed."""
    if row.get("suppressed"):
        return "skjult (få patienter)"
    if row.get("proportion") is None:
        return "ingen patienter"
    return (
        f"{_pct(row['proportion'])} % (95 %-KI {_pct(row['ci_low'])}–{_pct(row['ci_high'])}), "
        f"{row['numerator']}/{row['denominator']}"
    )


def read_results(release: Path) -> list[dict[str, Any]]:
    """All rows of the release's machine Parquet export(s)."""
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = []
    for path in sorted((release / "export").rglob("*.parquet")):
        rows.extend(pq.read_table(path).to_pylist())
    return rows


@dataclass
class Summary:
    run: DemoRun

    def headline_rows(self) -> list[dict[str, Any]]:
        """National and regional rows of the headline indicators for the latest period."""
        rows = read_results(self.run.release_dir)
        latest = max((str(r["period"]) for r in rows), default=None)
        wanted = []
        for database, indicator in HEADLINES:
            for row in rows:
                if (
                    row["database"] == database
                    and row["indicator"] == indicator
                    and str(row["period"]) == latest
                    and row["unit_type"] in ("national", "region")
                ):
                    wanted.append(row)
        wanted.sort(key=lambda r: (r["database"], r["indicator"], r["unit_type"] != "national",
                                   str(r["unit_id"])))  # fmt: skip
        return wanted

    def municipalities_published(self) -> dict[str, list[int]]:
        """Per headline ("copd K1"): [residence municipalities with a published figure, all].

        Published = not suppressed and a denominator above 0, in the latest period.
        """
        rows = read_results(self.run.release_dir)
        latest = max((str(r["period"]) for r in rows), default=None)
        found: dict[str, list[int]] = {}
        for database, indicator in HEADLINES:
            cells = [
                r
                for r in rows
                if r["database"] == database
                and r["indicator"] == indicator
                and str(r["period"]) == latest
                and r["unit_type"] == "municipality"
            ]
            shown = sum(1 for r in cells if not r["suppressed"] and (r["denominator"] or 0) > 0)
            found[f"{database} {indicator}"] = [shown, len(cells)]
        return found

    def write_json(self, rows: list[dict[str, Any]]) -> Path:
        path = self.run.out / "summary.json"
        keys = ("database", "indicator", "period", "unit_type", "unit_id", "numerator",
                "denominator", "proportion", "ci_low", "ci_high", "suppressed")  # fmt: skip
        payload = {
            "citizens": self.run.citizens,
            "enrichment": self.run.enrich,
            "headlines": [{k: r.get(k) for k in keys} for r in rows],
            "municipalities_published": self.municipalities_published(),
        }
        path.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
        return path

    def render(self) -> str:
        rows = self.headline_rows()
        self.write_json(rows)
        regions = region_by_code()
        lines = [
            "",
            "tvaers demo: summary",
            f"  Synthetic Denmark: {self.run.citizens:,} citizens, seed {self.run.seed}, "
            f"enrichment {self.run.enrich} (oversampled cohorts: rates are not national rates)",
            "",
            "Delivery reports submitted to the gateway:",
            *("  " + line for line in self.run.submit_summary.strip().splitlines()),
            "",
            "Headline indicators (latest period; national and per region):",
        ]
        published = self.municipalities_published()
        current = None
        for row in rows:
            key = (row["database"], row["indicator"])
            if key != current:
                current = key
                shown, of = published.get(f"{key[0]} {key[1]}", [0, 0])
                lines.append(
                    f"  {row['database']} {row['indicator']} ({row['period']}; "
                    f"{shown} of {of} municipalities above the suppression threshold):"
                )
            name = (
                "Hele landet"
                if row["unit_type"] == "national"
                else regions[str(row["unit_id"])].name
                if str(row["unit_id"]) in regions
                else str(row["unit_id"])
            )
            lines.append(f"    {name:<22} {danish_ci(row)}")
        for database, reason in self.run.not_computed.items():
            lines.append(f"  {database}: not computed ({reason})")
        lines += ["", "Where things are:"]
        lines.append(f"  annual reports and feedback: {self.run.release_dir / 'index.html'}")
        lines.append(f"  results (Parquet/CSV):       {self.run.registry_dir / 'results'}")
        lines.append(f"  daily files per region:      {self.run.registry_dir / 'daily'}")
        for service in self.run.services:
            lines.append(f"  {service.name}: {service.url}/")
        if self.run.users:
            lines += ["", "Dashboard sign-in (passwords generated for this run):"]
            for user in self.run.users:
                lines.append(f"  {user.username:<20} {user.password:<18} {user.role} {user.scope}")
        lines += ["", "Step timings:"]
        for title, seconds in self.run.timings:
            lines.append(f"  {seconds:7.1f} s  {title}")
        return "\n".join(lines)
