"""The central error handler maps errors to exit codes and messages on stderr."""

from __future__ import annotations

import pytest

from tvaers.cli.main import main


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "gateway" in capsys.readouterr().out


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_typer_exit_code_is_kept() -> None:
    import typer

    from tvaers.cli import main as cli_main

    probe = typer.Typer()

    @probe.command()
    def fail() -> None:
        raise typer.Exit(3)

    cli_main.app.add_typer(probe, name="probe-exit")
    try:
        assert main(["probe-exit", "fail"]) == 3
    finally:
        cli_main.app.registered_groups.pop()
