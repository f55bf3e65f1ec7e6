"""`tvaers registry users add|list|disable` and the serve command's registration."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tvaers.cli.main import main

PASSWORD = "korrekt-hest-batteri-klips"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TVAERS_DASHBOARD_STATE_FILE", str(tmp_path / "users.sqlite"))
    monkeypatch.setenv("TVAERS_DASHBOARD_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return tmp_path


def add(monkeypatch: pytest.MonkeyPatch, *args: str, password: str = PASSWORD) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main(["registry", "users", "add", *args, "--password-stdin"])


def test_add_list_disable(
    state: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(monkeypatch, "kbh", "--role", "municipality", "--scope", "municipality:101") == 0
    assert add(monkeypatch, "hovedstaden", "--role", "region", "--scope", "region:1084") == 0
    capsys.readouterr()
    assert main(["registry", "users", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "hovedstaden\tregion\tregion:1084\tactive",
        "kbh\tmunicipality\tmunicipality:101\tactive",
    ]
    assert main(["registry", "users", "disable", "kbh"]) == 0
    main(["registry", "users", "list"])
    assert "kbh\tmunicipality\tmunicipality:101\tdisabled" in capsys.readouterr().out
    log = (state / "audit.jsonl").read_text()
    assert log.count('"user.add"') == 2 and log.count('"user.disable"') == 1
    assert PASSWORD not in log


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "--role", "chef", "--scope", "national"), "unknown role 'chef'"),
        (
            ("x", "--role", "municipality", "--scope", "region:1084"),
            "cannot hold the scope region:1084",
        ),
        (("x", "--role", "region", "--scope", "region:9999"), "invalid unit scope 'region:9999'"),
        (("x", "--role", "operator", "--scope", "national"), "at least 12 characters"),
    ],
)
def test_add_refuses_bad_input(
    state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    password = "kort" if "operator" in args else PASSWORD
    assert add(monkeypatch, *args, password=password) == 2
    assert message in capsys.readouterr().err


def test_duplicate_and_unknown_users(
    state: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add(monkeypatch, "kbh", "--role", "municipality", "--scope", "municipality:101") == 0
    assert add(monkeypatch, "kbh", "--role", "municipality", "--scope", "municipality:101") == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["registry", "users", "disable", "ingen"]) == 2
    assert "no user 'ingen'" in capsys.readouterr().err


def test_serve_is_registered(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "serve", "--help"]) == 0
    assert "dashboard" in capsys.readouterr().out


def test_serve_runs_the_dashboard(small_release: Path, tmp_path: Path) -> None:
    """`tvaers registry serve --port 0` as a real process prints its URL, then answers."""
    import os
    import subprocess

    import httpx

    env = {
        **os.environ,
        "TVAERS_DASHBOARD_STATE_FILE": str(tmp_path / "users.sqlite"),
        "TVAERS_DASHBOARD_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "TVAERS_DASHBOARD_ENVIRONMENT": "test",
    }
    tvaers = Path(sys.executable).parent / "tvaers"
    process = subprocess.Popen(
        [str(tvaers), "registry", "serve", "--results", str(small_release), "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()  # printed once the socket is bound
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/"), url
        response = httpx.get(f"{url}login", timeout=10)
        assert response.status_code == 200
        assert "Log ind" in response.text
        assert httpx.get(url, timeout=10).status_code == 303
    finally:
        process.terminate()
        process.wait(timeout=10)
