"""Typed settings with one stated precedence: flag > environment > file > default.

Each service (gateway, registry) declares a frozen dataclass of its settings and loads it
with :func:`load_settings`. Unknown keys in a file or environment warn and list the valid
ones; placeholder secrets are refused outside ``environment = "development"``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
import warnings
from pathlib import Path
from typing import Any, TypeVar

from tvaers.errors import ConfigError, nearest

T = TypeVar("T")

#: Values that mark a secret as "not set yet"; refused outside development.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})


def _coerce(name: str, raw: Any, annotation: Any) -> Any:
    """Convert an environment/file value to the field's declared type."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if raw is None or (isinstance(raw, str) and raw.lower() in ("", "none", "null")):
            return None
        return _coerce(name, raw, non_none[0])
    if origin is typing.Literal:
        if raw not in args:
            raise ConfigError(
                f"setting {name!r} is {raw!r}; valid values: {', '.join(map(str, args))}"
            )
        return raw
    if annotation is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"setting {name!r} must be true or false, got {raw!r}")
    if annotation in (int, float, str):
        try:
            return annotation(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"setting {name!r} must be {annotation.__name__}, got {raw!r}"
            ) from exc
    if annotation is Path:
        return Path(raw)
    if origin in (tuple, list) and isinstance(raw, str):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if origin in (tuple, list):
        return tuple(raw)
    return raw


def load_settings(
    cls: type[T],
    *,
    file: Path | None = None,
    env_prefix: str,
    overrides: dict[str, Any] | None = None,
    environ: typing.Mapping[str, str] | None = None,
) -> T:
    """Build ``cls`` from defaults < TOML ``file`` < ``{env_prefix}{KEY}`` variables < overrides.

    ``overrides`` are command-line flags; a value of None means "flag not given".
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}

    if file is not None:
        try:
            data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"settings file not found: {file}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: invalid TOML: {exc}") from exc
        for key, raw in data.items():
            if key not in fields:
                _warn_unknown(key, fields, str(file))
                continue
            values[key] = _coerce(key, raw, hints[key])

    for env_key, raw in environ.items():
        if not env_key.startswith(env_prefix):
            continue
        key = env_key[len(env_prefix) :].lower()
        if key not in fields:
            _warn_unknown(key, fields, f"environment variable {env_key}")
            continue
        values[key] = _coerce(key, raw, hints[key])

    for key, raw in (overrides or {}).items():
        if raw is None:
            continue
        if key not in fields:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(key, raw, hints[key])

    return cls(**values)


def _warn_unknown(key: str, fields: set[str], where: str) -> None:
    guess = nearest(key, fields)
    hint = f" Did you mean {guess!r}?" if guess else ""
    warnings.warn(
        f"{where}: unknown setting {key!r} ignored.{hint} Valid settings: {', '.join(sorted(fields))}",
        stacklevel=3,
    )


def refuse_placeholder_secret(name: str, value: str, environment: str) -> None:
    """Raise unless ``value`` is a real secret or we run in development."""
    if environment != "development" and value.strip().lower() in PLACEHOLDER_SECRETS:
        raise ConfigError(
            f"setting {name!r} holds a placeholder secret in environment {environment!r}",
            hint="set a random value of at least 32 characters, e.g. from `openssl rand -hex 32`",
        )
