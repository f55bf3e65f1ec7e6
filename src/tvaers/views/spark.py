"""Run compiled ViewDefinitions on Apache Spark (PySpark, imported lazily).

The input is a DataFrame with one string column of FHIR JSON (a resource or a Bundle per
row). :func:`run_on_dataframe` ships the ViewDefinition (a plain dict) to the executors
with ``mapInArrow``; each partition compiles it once with the same compiler as the
in-process runner and turns its rows into Arrow record batches of the view's schema, so
both engines give identical rows and types.

    from tvaers.views.spark import local_session, run_on_dataframe, dataframe_of_files

    spark = local_session()
    frame = run_on_dataframe(compiled_view, dataframe_of_files(spark, ["reports/"]))
    frame.write.parquet("out/patient")          # or frame.toArrow() for small results
    spark.stop()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tvaers.errors import InputError, ServiceError
from tvaers.views.compile import CompiledView, compile_view

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType, StructType

RESOURCE_COLUMN = "resource"


def local_session(app_name: str = "tvaers-views", cores: int = 2) -> SparkSession:
    """A local Spark session: ``local[cores]``, UI off, bound to 127.0.0.1."""
    import os
    import sys

    # PySpark starts workers with $PYSPARK_PYTHON (default: python3 on PATH), which may not
    # see tvaers; default it to this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ServiceError("PySpark is not installed", hint="pip install 'tvaers[spark]'") from exc
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(cores))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def spark_type(arrow: pa.DataType) -> DataType:
    """The Spark SQL type of an Arrow type used by views."""
    from pyspark.sql import types as T

    if pa.types.is_list(arrow):
        return T.ArrayType(spark_type(arrow.value_type), containsNull=True)
    if pa.types.is_decimal(arrow):
        return T.DecimalType(arrow.precision, arrow.scale)
    simple: list[tuple[Callable[[pa.DataType], bool], DataType]] = [
        (pa.types.is_string, T.StringType()),
        (pa.types.is_boolean, T.BooleanType()),
        (pa.types.is_int64, T.LongType()),
        (pa.types.is_int32, T.IntegerType()),
        (pa.types.is_float64, T.DoubleType()),
        (pa.types.is_date32, T.DateType()),
        (pa.types.is_timestamp, T.TimestampType()),
    ]
    for test, spark in simple:
        if test(arrow):
            return spark
    raise InputError(f"no Spark type for Arrow type {arrow}")


def spark_schema(schema: pa.Schema) -> StructType:
    """The Spark schema of a view's Arrow schema."""
    from pyspark.sql import types as T

    return T.StructType([T.StructField(f.name, spark_type(f.type), nullable=True) for f in schema])


def _partition_function(
    raw: dict[str, Any], source: str, column: str
) -> Callable[[Iterable[pa.RecordBatch]], Iterable[pa.RecordBatch]]:
    """The function each partition runs: JSON strings in, view batches out."""

    def evaluate(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from tvaers.fhir.jsonio import parse_json
        from tvaers.views.runner import rows_to_batch
        from tvaers.views.sources import flatten

        compiled = compile_view(raw, source=source)
        wanted = compiled.resource_type
        for batch in batches:
            rows: list[tuple[Any, ...]] = []
            for text in batch.column(column).to_pylist():
                if text is None or not text.strip():
                    continue
                for resource, full_url, urn_types in flatten(parse_json(text)):
                    if resource.get("resourceType") == wanted:
                        rows.extend(compiled.rows(resource, full_url=full_url, urn_types=urn_types))
            if rows:
                yield rows_to_batch(compiled.schema, rows)

    return evaluate


def run_on_dataframe(
    view: CompiledView, frame: DataFrame, column: str = RESOURCE_COLUMN
) -> DataFrame:
    """The view's rows as a DataFrame (lazy; one output batch per input batch)."""
    definition = view.definition
    function = _partition_function(definition.raw, definition.source, column)
    return frame.select(column).mapInArrow(function, spark_schema(view.schema))


def dataframe_of_resources(
    spark: SparkSession, resources: Iterable[dict[str, Any]], partitions: int = 2
) -> DataFrame:
    """A DataFrame of JSON strings from resources held by the driver (tests, small inputs)."""
    from tvaers.fhir.jsonio import dumps

    texts = [(dumps(r).decode(),) for r in resources]
    frame = spark.createDataFrame(texts, schema=f"{RESOURCE_COLUMN} string")
    return frame.repartition(partitions) if texts else frame


def dataframe_of_files(spark: SparkSession, paths: Iterable[str | Path]) -> DataFrame:
    """A DataFrame of JSON strings from files: NDJSON lines and whole ``.json`` files are
    read by Spark; ``.ndjson.zst`` is decompressed on the driver."""
    from tvaers.views.sources import files_of, read_file

    files = list(files_of(paths))
    ndjson = [str(p) for p in files if p.name.endswith(".ndjson")]
    whole = [str(p) for p in files if p.name.endswith(".json")]
    frames = []
    if ndjson:
        frames.append(spark.read.text(ndjson).withColumnRenamed("value", RESOURCE_COLUMN))
    if whole:
        frames.append(
            spark.read.text(whole, wholetext=True).withColumnRenamed("value", RESOURCE_COLUMN)
        )
    zst = [p for p in files if p.name.endswith(".zst")]
    if zst:
        documents = [doc for p in zst for doc in read_file(p)]
        frames.append(dataframe_of_resources(spark, documents))
    if not frames:
        return spark.createDataFrame([], schema=f"{RESOURCE_COLUMN} string")
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other)
    return frame


def collect(frame: DataFrame) -> pa.Table:
    """Collect a (small) view result to the driver as Arrow, mapping executor errors."""
    try:
        table: pa.Table = frame.toArrow()
    except Exception as exc:  # executor failures arrive as Py4J/Python exceptions
        raise _located(exc) from None
    return table


def _located(exc: Exception) -> InputError:
    """The tvaers error an executor raised, recovered from Spark's exception text."""
    text = str(exc)
    for line in reversed(text.splitlines()):
        if line.startswith("tvaers.") and ": " in line:
            return InputError(line.split(": ", 1)[1], hint="raised on a Spark executor")
    first = next((line for line in text.splitlines() if line.strip()), type(exc).__name__)
    return InputError(f"Spark job failed: {first}")


def run_files_to_output(
    view: CompiledView, paths: Iterable[str | Path], out: str | Path, *, table: str | None = None
) -> int:
    """``tvaers views run --engine spark``: run on local Spark, write .parquet/.duckdb."""
    from tvaers.views.runner import table_name, write_batches

    spark = local_session()
    try:
        result = collect(run_on_dataframe(view, dataframe_of_files(spark, paths)))
    finally:
        spark.stop()
    batches = result.cast(view.schema).to_batches()
    return write_batches(view.schema, batches, out, table=table or table_name(view))


@contextmanager
def conformance_engine(
    partitions: int = 2,
) -> Iterator[Callable[[dict[str, Any], list[dict[str, Any]], str], list[dict[str, Any]]]]:
    """An engine for :mod:`tvaers.views.conformance` that runs each case on local Spark."""
    spark = local_session()

    def engine(
        view: dict[str, Any], resources: list[dict[str, Any]], source: str
    ) -> list[dict[str, Any]]:
        compiled = compile_view(view, source=source)
        frame = run_on_dataframe(compiled, dataframe_of_resources(spark, resources, partitions))
        rows: list[dict[str, Any]] = collect(frame).to_pylist()
        return rows

    try:
        yield engine
    finally:
        spark.stop()
