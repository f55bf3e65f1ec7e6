"""`tvaers views ...` commands: run a ViewDefinition, run the SQL-on-FHIR conformance tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tvaers.cli.console import err, out
from tvaers.errors import InputError, TvaersError

app = typer.Typer(help="SQL-on-FHIR v2 ViewDefinitions: run, conformance.", no_args_is_help=True)

RUN_HELP = """Run VIEW (a ViewDefinition JSON file) over RESOURCES into --out.

RESOURCES are .json files (a resource or a Bundle; bundle entries are flattened),
.ndjson or .ndjson.zst files, or folders of them. --out ends in .parquet or .duckdb
(the table is named after the view's name, else its resource type).

Examples:

  tvaers views run views/patient.json reports/ --out patient.parquet

  tvaers views run views/condition.json reports/2025-01-02/*.ndjson.zst --out q.duckdb

  tvaers views run views/patient.json big/ --out patient.parquet --engine spark
"""


@app.callback()
def _group() -> None:
    """Command group (see --help of each command)."""


@app.command(name="run", help=RUN_HELP)
def run(
    view: Annotated[Path, typer.Argument(help="ViewDefinition JSON file")],
    resources: Annotated[
        list[Path], typer.Argument(help=".json, .ndjson, .ndjson.zst files or folders")
    ],
    out_path: Annotated[Path, typer.Option("--out", help="output .parquet or .duckdb file")],
    engine: Annotated[
        str, typer.Option(help="python (in-process) or spark (local Spark)")
    ] = "python",
    table: Annotated[str | None, typer.Option(help="table name in a .duckdb output")] = None,
) -> None:
    from tvaers.fhir.jsonio import parse_json
    from tvaers.views import compile_view, read_entries, write_duckdb, write_output

    if engine not in ("python", "spark"):
        raise InputError(f"unknown engine {engine!r}", hint="use python or spark")
    if not view.is_file():
        raise InputError("no such ViewDefinition file", location=str(view))
    compiled = compile_view(parse_json(view.read_bytes(), source=str(view)), source=str(view))
    if engine == "spark":
        from tvaers.views.spark import run_files_to_output

        count = run_files_to_output(compiled, resources, out_path, table=table)
    elif table and out_path.suffix.lower() in (".duckdb", ".db"):
        count = write_duckdb(compiled, read_entries(resources), out_path, table=table)
    else:
        count = write_output(compiled, read_entries(resources), out_path)
    err.print(f"{count} rows -> {out_path}", highlight=False)


CONFORMANCE_HELP = """Run SQL-on-FHIR v2 test files (official format) and write the test report.

PATH are test files or folders of *.json test files. The report (--report) is the
official test-report JSON; a summary per file goes to stdout. Exit code 1 if any fails.

Example:

  tvaers views conformance sof-tests/tests tests/conformance/extra --report report.json
"""


@app.command(name="conformance", help=CONFORMANCE_HELP)
def conformance(
    paths: Annotated[list[Path], typer.Argument(help="test files or folders")],
    report_path: Annotated[Path, typer.Option("--report", help="where to write the report JSON")],
    engine: Annotated[
        str, typer.Option(help="python (in-process) or spark (local Spark)")
    ] = "python",
) -> None:
    from rich.table import Table

    from tvaers.fhir.jsonio import dumps
    from tvaers.views.conformance import in_process_engine, report, run_paths

    if engine == "spark":
        from tvaers.views.spark import conformance_engine

        with conformance_engine() as spark_engine:
            results = run_paths(paths, spark_engine)
    elif engine == "python":
        results = run_paths(paths, in_process_engine)
    else:
        raise InputError(f"unknown engine {engine!r}", hint="use python or spark")
    report_path.write_bytes(dumps(report(results), indent=True))
    summary = Table("file", "cases", "passed", "failed", title="SQL-on-FHIR conformance")
    by_file: dict[str, list[bool]] = {}
    for result in results:
        by_file.setdefault(result.file, []).append(result.passed)
    for file, passed in by_file.items():
        summary.add_row(file, str(len(passed)), str(sum(passed)), str(len(passed) - sum(passed)))
    total = sum(1 for r in results if r.passed)
    summary.add_row(
        f"{len(by_file)} files", str(len(results)), str(total), str(len(results) - total)
    )
    out.print(summary)
    for result in results:
        if not result.passed:
            err.print(f"FAILED {result.file}: {result.name}: {result.error}", highlight=False)
    err.print(f"report -> {report_path}", highlight=False)
    if total != len(results):
        raise TvaersError(f"{len(results) - total} of {len(results)} conformance cases failed")
