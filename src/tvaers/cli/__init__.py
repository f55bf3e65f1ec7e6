"""The ``tvaers`` command line: one typer app, one module per command group.

Nothing imports this package; it imports everything. Data goes to stdout, progress and
diagnostics to stderr; :func:`tvaers.cli.main.main` maps errors to exit codes.
"""
