"""Settings precedence (flag > env > file > default), unknown keys, placeholder secrets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tvaers.errors import ConfigError
from tvaers.settings import load_settings, refuse_placeholder_secret


@dataclass(frozen=True)
class Demo:
    port: int = 8000
    environment: str = "development"
    strict: bool = False


def test_precedence(tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text("port = 1\nstrict = true\n")
    env = {"T_PORT": "2"}
    assert load_settings(Demo, env_prefix="T_", environ={}) == Demo()
    assert load_settings(Demo, file=file, env_prefix="T_", environ={}).port == 1
    assert load_settings(Demo, file=file, env_prefix="T_", environ=env).port == 2
    got = load_settings(Demo, file=file, env_prefix="T_", environ=env, overrides={"port": 3})
    assert got == Demo(port=3, strict=True)


def test_unknown_key_warns_with_suggestion(tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text("prot = 1\n")
    with pytest.warns(UserWarning, match="Did you mean 'port'"):
        load_settings(Demo, file=file, env_prefix="T_", environ={})


def test_bad_value_and_placeholder_secret() -> None:
    with pytest.raises(ConfigError, match="must be int"):
        load_settings(Demo, env_prefix="T_", environ={"T_PORT": "eighty"})
    refuse_placeholder_secret("token_key", "change-me", "development")
    with pytest.raises(ConfigError, match="placeholder"):
        refuse_placeholder_secret("token_key", "change-me", "production")
