"""`tvaers validate PATH...`: validate KL delivery reports against the KL Gateway IGs.

Inputs: ``.json`` files (one report each), ``.ndjson`` and ``.ndjson.zst`` files (one report
per line), folders (searched recursively for those) and ``-`` for stdin. Results go to
stdout (text, or one JSON line per report with its OperationOutcome); progress and the
summary go to stderr. Exit code 1 when any report is invalid.

Examples::

    tvaers validate report.json
    tvaers validate demo-output/reports --format json > outcomes.ndjson
    cat report.json | tvaers validate - --cpr-mode synthetic
    tvaers validate --list-rules
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import typer
from rich.markup import escape

from tvaers.cli.console import err, out, progress
from tvaers.errors import InputError, TvaersError
from tvaers.validation import ValidationOptions, ValidationResult, rule_catalogue, validate_bytes

HELP = "Validate KL Gateway delivery reports (files, folders, .ndjson[.zst], - for stdin)."
SUFFIXES = (".json", ".ndjson", ".ndjson.zst")


class ReportsInvalid(TvaersError):
    """At least one report is invalid (a finding, not a failure of the tool)."""

    exit_code = 1


def _lines(data: bytes, source: str) -> Iterator[tuple[str, bytes]]:
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield f"{source}:{number}", line


def _read_zst(path: Path) -> bytes:
    import zstandard

    with path.open("rb") as fh:
        return zstandard.ZstdDecompressor().stream_reader(fh).read()


def _file_reports(path: Path) -> Iterator[tuple[str, bytes]]:
    name = path.name
    if name.endswith(".ndjson.zst"):
        yield from _lines(_read_zst(path), str(path))
    elif name.endswith(".ndjson"):
        yield from _lines(path.read_bytes(), str(path))
    else:
        yield str(path), path.read_bytes()


def _stdin_reports() -> Iterator[tuple[str, bytes]]:
    data = sys.stdin.buffer.read()
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) > 1 and all(
        line.lstrip().startswith(b"{") and line.rstrip().endswith(b"}") for line in lines
    ):
        try:
            orjson.loads(lines[0])
        except orjson.JSONDecodeError:
            pass
        else:
            yield from _lines(data, "<stdin>")
            return
    yield "<stdin>", data


def collect(paths: list[Path]) -> list[Path | str]:
    """Expand folders into their report files (sorted); ``-`` stays as stdin."""
    found: list[Path | str] = []
    for path in paths:
        if str(path) == "-":
            found.append("-")
        elif path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(
                f"no such file or folder: {path}",
                hint="give .json/.ndjson/.ndjson.zst files, folders or -",
            )
    return found


def _print_text(source: str, result: ValidationResult) -> None:
    warnings = sum(1 for i in result.issues if i.severity == "warning")
    status = "[green]VALID[/]" if result.valid else "[bold red]INVALID[/]"
    suffix = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
    out.print(
        f"{status} {escape(source)} {escape('[' + (result.ig or '?') + ']')}{suffix}",
        highlight=False,
    )
    for issue in result.issues:
        if issue.severity == "information":
            continue
        where = f" {issue.expression}" if issue.expression else ""
        out.print(
            f"  {issue.severity:<7} {issue.rule}{where}\n          {issue.diagnostics}",
            highlight=False,
            markup=False,
        )


def _list_rules(fmt: str) -> None:
    rules = rule_catalogue()
    if fmt == "json":
        sys.stdout.write(
            orjson.dumps([r.as_dict() for r in rules], option=orjson.OPT_INDENT_2).decode() + "\n"
        )
        return
    for rule in rules:
        out.print(
            f"{rule.key}\t{rule.severity}\t{rule.ig}\t{rule.message_en}",
            highlight=False,
            markup=False,
        )
    err.print(f"{len(rules)} rules")


def validate(
    paths: list[Path] = typer.Argument(None, help="Files or folders; - reads stdin."),
    fmt: str = typer.Option("text", "--format", help="text, or json (one line per report)."),
    strict: bool = typer.Option(
        False, "--strict", help="Post-transition rules (FSIII UUIDs only, ...)."
    ),
    cpr_mode: str = typer.Option("dk-core", "--cpr-mode", help="dk-core, or synthetic (day + 60)."),
    list_rules: bool = typer.Option(
        False, "--list-rules", help="Print the rule catalogue and exit."
    ),
) -> None:
    """Validate delivery reports and print a result (or OperationOutcome) per report."""
    if fmt not in ("text", "json"):
        raise InputError(f"--format {fmt!r} is not one of text, json")
    if cpr_mode not in ("dk-core", "synthetic"):
        raise InputError(f"--cpr-mode {cpr_mode!r} is not one of dk-core, synthetic")
    if list_rules:
        _list_rules(fmt)
        return
    if not paths:
        raise InputError("no input", hint="give report files, folders or - for stdin (see --help)")
    options = ValidationOptions(cpr_mode=cpr_mode, strict=strict)  # type: ignore[arg-type]
    inputs = collect(paths)
    total = invalid = 0
    with progress(transient=True) as bar:
        task = bar.add_task("validating", total=len(inputs))
        for item in inputs:
            reports = _stdin_reports() if item == "-" else _file_reports(Path(item))
            for source, data in reports:
                result = validate_bytes(data, options, source=source)
                total += 1
                invalid += not result.valid
                if fmt == "json":
                    line = {
                        "source": source,
                        "valid": result.valid,
                        "ig": result.ig,
                        "outcome": result.outcome(),
                    }
                    sys.stdout.write(orjson.dumps(line).decode() + "\n")
                else:
                    _print_text(source, result)
            bar.advance(task)
    sys.stdout.flush()
    err.print(f"{total} report(s): {total - invalid} valid, {invalid} invalid")
    if invalid:
        raise ReportsInvalid(f"{invalid} of {total} report(s) are invalid")


__all__ = ["HELP", "ReportsInvalid", "collect", "validate"]
