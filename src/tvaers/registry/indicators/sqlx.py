"""Small builders of sqlglot expressions used by the compile pass.

Everything here returns dialect-neutral sqlglot expressions; rendering per dialect happens
only in the engines (:mod:`.engines`). Day arithmetic follows docs/indicators.md: whole
days between *dates* (timestamps are cast to DATE first), windows closed at both ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlglot import exp


def c(name: str, table: str | None = None) -> exp.Expr:
    """A column reference (quoted, so ``end`` and ``start`` are safe)."""
    return exp.column(exp.to_identifier(name, quoted=True), table=table)


def lit(value: Any) -> exp.Expr:
    """A literal: str, int, float, bool, None or date."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    return exp.Literal.string(str(value))


def typed_null(kind: str) -> exp.Expr:
    return exp.cast(exp.null(), exp.DataType.build(kind))


def as_date(e: exp.Expr) -> exp.Expr:
    return exp.cast(e, exp.DataType.Type.DATE)


def days_between(start: exp.Expr, end: exp.Expr) -> exp.Expr:
    """Whole days from date ``start`` to date ``end`` (``end - start``)."""
    return exp.DateDiff(this=end, expression=start, unit=exp.var("DAY"))


def add_days(e: exp.Expr, days: int) -> exp.Expr:
    return as_date(exp.DateAdd(this=e, expression=exp.Literal.number(days), unit=exp.var("DAY")))


def add_hours(e: exp.Expr, hours: int) -> exp.Expr:
    interval = exp.Interval(this=exp.Literal.string(str(hours)), unit=exp.var("HOUR"))
    return exp.Add(this=e, expression=interval)


def between(e: exp.Expr, lo: int | exp.Expr, hi: int | exp.Expr) -> exp.Expr:
    low = lo if isinstance(lo, exp.Expr) else lit(lo)
    high = hi if isinstance(hi, exp.Expr) else lit(hi)
    return exp.Between(this=e, low=low, high=high)


def and_(*items: exp.Expr | None) -> exp.Expr:
    kept = [i for i in items if i is not None]
    return exp.and_(*kept) if kept else exp.true()


def or_(*items: exp.Expr) -> exp.Expr:
    return exp.or_(*items) if items else exp.false()


def eq(a: exp.Expr, b: Any) -> exp.Expr:
    return exp.EQ(this=a, expression=b if isinstance(b, exp.Expr) else lit(b))


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=e, expression=exp.null())


def not_null(e: exp.Expr) -> exp.Expr:
    return exp.not_(is_null(e))


def in_list(e: exp.Expr, values: Iterable[Any]) -> exp.Expr:
    items = [lit(v) for v in values]
    return exp.In(this=e, expressions=items) if items else exp.false()


def code_match(e: exp.Expr, codes: Sequence[str]) -> exp.Expr:
    """SKS code match: ``DJ44*`` is a prefix, ``KFNG02`` an exact code; no codes = false."""
    exact = [code for code in codes if not code.endswith("*")]
    parts: list[exp.Expr] = [
        exp.Like(this=e, expression=exp.Literal.string(code[:-1] + "%"))
        for code in codes
        if code.endswith("*")
    ]
    if exact:
        parts.append(in_list(e, exact))
    return or_(*parts)


def case(whens: Sequence[tuple[exp.Expr, Any]], default: Any = None) -> exp.Expr:
    node = exp.Case()
    for cond, value in whens:
        node = node.when(cond, value if isinstance(value, exp.Expr) else lit(value))
    if default is not None:
        node = node.else_(default if isinstance(default, exp.Expr) else lit(default))
    return node


def flag(cond: exp.Expr) -> exp.Expr:
    """A non-null boolean: NULL counts as false."""
    return exp.Coalesce(this=cond, expressions=[exp.false()])


def one_if(cond: exp.Expr) -> exp.Expr:
    return case([(cond, 1)], 0)


def count_if(cond: exp.Expr) -> exp.Expr:
    return exp.cast(exp.Sum(this=one_if(cond)), exp.DataType.Type.BIGINT)


def month_index(e: exp.Expr) -> exp.Expr:
    """``year * 12 + month``: consecutive months are consecutive integers."""
    year = exp.Mul(this=exp.Year(this=e), expression=exp.Literal.number(12))
    # Parenthesised: sqlglot does not add parentheses when the sum is nested in arithmetic.
    return exp.paren(exp.Add(this=year, expression=exp.Month(this=e)))


def age_years(birth: exp.Expr, on: exp.Expr) -> exp.Expr:
    """Completed years of age on date ``on``."""

    def md(d: exp.Expr) -> exp.Expr:
        month = exp.Mul(this=exp.Month(this=d), expression=exp.Literal.number(100))
        return exp.Add(this=month, expression=exp.Day(this=d))

    years = exp.Sub(this=exp.Year(this=on), expression=exp.Year(this=birth))
    return exp.Sub(this=years, expression=case([(exp.LT(this=md(on), expression=md(birth)), 1)], 0))


def window(
    func: exp.Expr,
    partition: Sequence[exp.Expr],
    order: Sequence[exp.Expr | exp.Ordered],
    *,
    preceding_only: bool = False,
    running: bool = False,
) -> exp.Expr:
    """``func OVER (PARTITION BY ... ORDER BY ... [frame])``."""
    spec = None
    if preceding_only or running:
        spec = exp.WindowSpec(
            kind="ROWS",
            start="UNBOUNDED",
            start_side="PRECEDING",
            end="1" if preceding_only else "CURRENT ROW",
            end_side="PRECEDING" if preceding_only else None,
        )
    ordered = [o if isinstance(o, exp.Ordered) else exp.Ordered(this=o) for o in order]
    return exp.Window(
        this=func,
        partition_by=list(partition),
        order=exp.Order(expressions=ordered) if ordered else None,
        spec=spec,
    )


def desc(e: exp.Expr) -> exp.Ordered:
    return exp.Ordered(this=e, desc=True)


def alias(e: exp.Expr, name: str) -> exp.Expr:
    return exp.alias_(e, exp.to_identifier(name, quoted=True))


def table(name: str, alias_: str | None = None) -> exp.Table:
    t = exp.to_table(name)
    return t.as_(alias_) if alias_ else t  # type: ignore[return-value]
