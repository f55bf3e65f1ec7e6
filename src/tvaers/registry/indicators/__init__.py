"""The indicator engine: definition -> load -> check -> plan -> SQL per dialect -> run.

One module per pass: :mod:`.load` (YAML with line/column marks), :mod:`.schema` (the
published JSON Schema), :mod:`.check` (semantic checks, resolving parameters into the typed
model of :mod:`.model`), :mod:`.plan` (the engine-neutral steps of :mod:`.ir`),
:mod:`.compile` (sqlglot expressions), :mod:`.engines` (the dialect layer: DuckDB, Spark),
:mod:`.run` and :mod:`.results` (counts -> statistics -> files).
"""
