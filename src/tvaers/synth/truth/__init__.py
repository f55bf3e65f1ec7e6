"""Ground truth of the starter indicators (part 3 of the generator): ``truth/*.parquet``.

Computed from the generator's own event model (``events/municipal_versions``, CPR, LPR) with
DuckDB; independent of the registry by construction (import-linter contract).
"""
