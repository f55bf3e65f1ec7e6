"""Entry point of ``tvaers``: assembles the command groups and handles errors centrally.

Exit codes: 0 success, 1 a finding (e.g. invalid reports), 2 bad input, 3 bad settings,
4 a service failed, 5 access denied, 130 interrupted, 70 an internal error (a bug).
"""

from __future__ import annotations

import sys

import typer

from tvaers.cli import dashboard, gateway, publish, registry, synth, validate, views
from tvaers.cli.console import err
from tvaers.errors import TvaersError

app = typer.Typer(
    name="tvaers",
    help="Danish cross-sector clinical quality data: gateway, quality databases, feedback.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command(name="validate", help=validate.HELP)(validate.validate)
app.add_typer(gateway.app, name="gateway")
app.add_typer(synth.app, name="synth")
app.add_typer(views.app, name="views")
app.add_typer(registry.app, name="registry")  # data commands
assert dashboard.app is registry.app  # dashboard commands register on the same group
app.add_typer(publish.app, name="publish")

INTERNAL_ERROR = 70


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error ends here and becomes a message and an exit code."""
    try:
        # With standalone_mode=False, typer.Exit(code) comes back as the return value.
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int):
            return result
    except TvaersError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except SystemExit as exc:  # typer/click exits (e.g. --help)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except typer.Abort:
        err.print("aborted")
        return 1
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except Exception as exc:  # usage errors (typer's click) and real bugs
        show = getattr(exc, "show", None)
        if isinstance(exc, typer.TyperException) and callable(show):
            show(file=sys.stderr)
            return int(getattr(exc, "exit_code", 2))
        err.print_exception()
        err.print("[bold red]internal error[/]: this is a bug in tvaers; please report it")
        return INTERNAL_ERROR
    return 0


def run() -> None:
    """Console-script wrapper."""
    sys.exit(main())


if __name__ == "__main__":
    run()
