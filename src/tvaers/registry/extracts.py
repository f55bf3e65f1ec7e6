"""Checks of extract files (Parquet) before import: every defect with file, row and column.

Each check is one DuckDB query over the file (``file_row_number`` gives the row); the first
offending row of each check is reported with its value and the number of further rows, so a
broken national extract gives a short, precise list instead of a stack trace. Rows are
numbered from 1 in file order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tvaers.errors import InputError, nearest
from tvaers.registry.schemas import Column, TableSpec
from tvaers.terminology.cpr import CprMode, cpr_problem
from tvaers.terminology.geography import municipalities

FORMAT_HINT = "see docs/data-formats.md and docs/registry.md for the extract formats"


@dataclass(frozen=True)
class Problem:
    """One defect in one extract file."""

    file: Path
    message: str
    row: int | None = None
    column: str | None = None
    more: int = 0
    fatal: bool = False  # the file cannot be read as this table at all

    def __str__(self) -> str:
        where = str(self.file)
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        extra = f" (and {self.more} more rows)" if self.more else ""
        return f"{where}: {self.message}{extra}"


class ExtractError(InputError):
    """One or more defects in extract files; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n  ".join(str(p) for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the extract, nothing imported:\n  {lines}",
            hint=FORMAT_HINT,
        )


def q(name: str) -> str:
    """A quoted SQL identifier (``end`` is a keyword)."""
    return '"' + name.replace('"', '""') + '"'


def source(path: Path) -> str:
    literal = str(path).replace("'", "''")
    return f"read_parquet('{literal}', file_row_number = true)"


def schema_version_problem(spec: TableSpec, path: Path) -> Problem | None:
    """The file must say which schema version it follows, and it must be ours."""
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(b"schema_version")
    if raw is None:
        return Problem(
            path,
            "no schema_version in the Parquet key-value metadata; "
            f"write schema_version={spec.schema_version} ({spec.name} format)",
        )
    if raw.decode() != str(spec.schema_version):
        return Problem(
            path,
            f"schema_version {raw.decode()!r} is not supported for {spec.name}; "
            f"this tvaers reads schema_version {spec.schema_version}",
        )
    return None


def check_file(
    con: Any, spec: TableSpec, path: Path, mode: CprMode, others: dict[str, Path]
) -> list[Problem]:
    """All defects of one extract file (empty when it can be imported)."""
    import duckdb

    if not path.is_file():
        return [Problem(path, f"file not found (expected {spec.file})", fatal=True)]
    try:
        found = schema_version_problem(spec, path)
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source(path)}").fetchall()]
    except (duckdb.Error, OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        return [Problem(path, f"not a readable Parquet file: {exc}", fatal=True)]
    problems = [found] if found else []
    missing = [c.name for c in spec.columns if c.name not in columns]
    for name in missing:
        guess = nearest(name, columns)
        hint = f"; found {guess!r}, did you mean it?" if guess else ""
        problems.append(Problem(path, f"missing column{hint}", column=name, fatal=True))
    if missing:
        return problems
    for column in spec.columns:
        problems.extend(_column_problems(con, path, column, mode))
    problems.extend(_table_problems(con, spec, path, others))
    return problems


def _first(con: Any, path: Path, column: str | None, where: str, message: str) -> Problem | None:
    """The first row matching ``where`` (SQL over the file), as a Problem."""
    sql = (
        f"SELECT file_row_number + 1, {q(column) if column else 'NULL'}, count(*) OVER () "
        f"FROM {source(path)} WHERE {where} ORDER BY file_row_number LIMIT 1"
    )
    row = con.execute(sql).fetchone()
    if row is None:
        return None
    text = message.replace("{value!r}", repr(row[1])).replace("{value}", str(row[1]))
    return Problem(path, text, row=int(row[0]), column=column, more=int(row[2]) - 1)


def _column_problems(con: Any, path: Path, column: Column, mode: CprMode) -> list[Problem]:
    col = q(column.name)
    checks: list[tuple[str, str]] = []
    if not column.nullable:
        checks.append((f"{col} IS NULL", "empty value in a required column"))
    if column.type != "VARCHAR":
        checks.append(
            (
                f"{col} IS NOT NULL AND TRY_CAST({col} AS {column.type}) IS NULL",
                f"{{value!r}} is not a valid {column.type.lower()}",
            )
        )
    text = f"CAST({col} AS VARCHAR)"
    if column.values:
        allowed = ", ".join(f"'{v}'" for v in column.values)
        checks.append(
            (
                f"{col} IS NOT NULL AND {text} NOT IN ({allowed})",
                "{value!r} is not one of " + ", ".join(column.values),
            )
        )
    if column.syntax == "kommunekode":
        codes = ", ".join(f"'{m.kommunekode}'" for m in municipalities())
        checks.append(
            (
                f"{col} IS NOT NULL AND {text} NOT IN ({codes})",
                "{value!r} is not a kommunekode of the 98 municipalities (three digits, e.g. '101')",
            )
        )
    elif column.syntax and column.syntax != "cpr":
        checks.append(
            (
                f"{col} IS NOT NULL AND NOT regexp_full_match({text}, '{column.syntax}')",
                "{value!r} does not match the pattern " + column.syntax,
            )
        )
    found = [_first(con, path, column.name, where, msg) for where, msg in checks]
    problems = [p for p in found if p is not None]
    if column.syntax == "cpr":
        problems.extend(_cpr_problems(con, path, column.name, mode))
    return problems


def _cpr_problems(con: Any, path: Path, name: str, mode: CprMode) -> list[Problem]:
    """CPR syntax per ``cpr_mode``, checked once per distinct number."""
    rows = con.execute(
        f"SELECT CAST({q(name)} AS VARCHAR), min(file_row_number) + 1, count(*) "
        f"FROM {source(path)} WHERE {q(name)} IS NOT NULL GROUP BY 1"
    ).fetchall()
    bad = [(row, value, n) for value, row, n in rows if cpr_problem(value, mode)]
    if not bad:
        return []
    row, value, _ = min(bad)
    more = sum(b[2] for b in bad) - 1
    message = f"{value!r}: {cpr_problem(value, mode)} (cpr_mode {mode})"
    return [Problem(path, message, row=int(row), column=name, more=more)]


def _table_problems(
    con: Any, spec: TableSpec, path: Path, others: dict[str, Path]
) -> list[Problem]:
    found: list[Problem | None] = []
    for earlier, later in spec.ordered:
        found.append(
            _first(
                con,
                path,
                later,
                f"{q(later)} < {q(earlier)}",
                f"{{value}} is before {earlier}",
            )
        )
    if spec.unique:
        key = ", ".join(q(c) for c in spec.unique)
        dup = (
            "file_row_number IN (SELECT file_row_number FROM (SELECT file_row_number, "
            f"count(*) OVER (PARTITION BY {key}) AS n FROM {source(path)}) WHERE n > 1)"
        )
        found.append(_first(con, path, spec.unique[0], dup, "duplicate key {value!r}"))
    for column, table, target in spec.references:
        other = others.get(table)
        if other is None:
            continue
        sql = f"{q(column)} NOT IN (SELECT {q(target)} FROM {source(other)})"
        found.append(_first(con, path, column, sql, f"{{value!r}} is not in {table}.{target}"))
    return [p for p in found if p is not None]
