"""The Jinja2 environment shared by reports and the dashboard.

Autoescaping is on for every template, whatever its name: a municipality name or a code
that holds ``<script>`` is shown as text. Undefined variables raise, so a template bug is
an error and not an empty cell. Templates are polyglot HTML5 (well-formed XML), which the
tests check with an XML parser.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import jinja2

from tvaers.publish.formatting import (
    format_date,
    format_days,
    format_int,
    format_percent,
    format_period,
    format_proportion_ci,
)

STYLESHEET = "tvaers.css"


def environment(extra: Sequence[jinja2.BaseLoader] = ()) -> jinja2.Environment:
    """A fresh environment; ``extra`` loaders (the dashboard's) take precedence."""
    loader = jinja2.ChoiceLoader([*extra, jinja2.PackageLoader("tvaers.publish", "templates")])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=format_percent,
        num=format_int,
        date_da=format_date,
        period_da=format_period,
        days_da=format_days,
        result_ci=format_proportion_ci,
    )
    return env


def stylesheet_text() -> str:
    """The shipped stylesheet."""
    return resources.files("tvaers.publish").joinpath("static", STYLESHEET).read_text("utf-8")


def copy_assets(target: Path) -> Path:
    """Copy the shipped stylesheet into ``target`` (created); returns the folder."""
    target.mkdir(parents=True, exist_ok=True)
    source = resources.files("tvaers.publish").joinpath("static", STYLESHEET)
    with resources.as_file(source) as path:
        shutil.copyfile(path, target / STYLESHEET)
    return target
