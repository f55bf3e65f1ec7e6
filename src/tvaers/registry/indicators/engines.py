"""The dialect layer: where SQL meets an engine (DuckDB by default, Spark SQL).

Every engine takes sqlglot expressions and renders them in its own dialect; nothing
outside this module knows which engine runs. Engines are looked up by name in
:data:`ENGINES`, the same registry an extension would add itself to with
:func:`register_engine`. PySpark is imported only when a Spark engine is created.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlglot import exp

from tvaers.errors import ConfigError, ServiceError


class Engine(Protocol):
    """What the runner needs from an engine."""

    name: str
    dialect: str

    def register_parquet(self, name: str, path: Path) -> None: ...
    def register_arrow(self, name: str, table: Any) -> None: ...
    def create_view(self, name: str, query: exp.Expr) -> None: ...
    def create_table(self, name: str, query: exp.Expr) -> int: ...
    def fetch(self, query: exp.Expr) -> Any: ...
    def sql(self, query: exp.Expr) -> str: ...
    def close(self) -> None: ...


class DuckDBEngine:
    """In-process DuckDB; temporary tables live in memory (spilling to disk if needed)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None):
        import duckdb

        self.con = duckdb.connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")

    def sql(self, query: exp.Expr) -> str:
        return query.sql(dialect=self.dialect)

    def register_parquet(self, name: str, path: Path) -> None:
        literal = str(path).replace("'", "''")
        self.con.execute(
            f"CREATE OR REPLACE VIEW \"{name}\" AS SELECT * FROM read_parquet('{literal}')"
        )

    def register_arrow(self, name: str, table: Any) -> None:
        # Through a temporary Parquet file: DuckDB's Arrow scan imports pandas (about 1 s).
        import tempfile

        import pyarrow.parquet as pq

        with tempfile.TemporaryDirectory(prefix="tvaers-duckdb-") as folder:
            path = Path(folder) / f"{name}.parquet"
            pq.write_table(table, path)
            literal = str(path).replace("'", "''")
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE \"{name}\" AS SELECT * FROM read_parquet('{literal}')"
            )

    def create_view(self, name: str, query: exp.Expr) -> None:
        self.con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {self.sql(query)}')

    def create_table(self, name: str, query: exp.Expr) -> int:
        self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {self.sql(query)}')
        rows = self.con.execute(f'SELECT count(*) FROM "{name}"').fetchall()
        return int(rows[0][0])

    def fetch(self, query: exp.Expr) -> Any:
        return self.con.sql(self.sql(query)).to_arrow_table()

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """Spark SQL in local mode (``local[2]``, UI off, bound to 127.0.0.1) or a given master."""

    name = "spark"
    dialect = "spark"

    def __init__(self, *, master: str = "local[2]", session: Any = None):
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise ConfigError(
                "the Spark engine needs pyspark",
                hint="pip install 'tvaers[spark]' (pyspark==4.1.4, Java 17)",
            ) from exc
        self._own = session is None
        self.spark = session or (
            SparkSession.builder.master(master)
            .appName("tvaers-registry")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
            .getOrCreate()
        )
        self._cached: list[Any] = []

    def sql(self, query: exp.Expr) -> str:
        return query.sql(dialect=self.dialect)

    def register_parquet(self, name: str, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def register_arrow(self, name: str, table: Any) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def create_view(self, name: str, query: exp.Expr) -> None:
        self.spark.sql(self.sql(query)).createOrReplaceTempView(name)

    def create_table(self, name: str, query: exp.Expr) -> int:
        frame = self.spark.sql(self.sql(query)).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self._cached.append(frame)
        return int(frame.count())

    def fetch(self, query: exp.Expr) -> Any:
        return self.spark.sql(self.sql(query)).toArrow()

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        if self._own:
            self.spark.stop()


ENGINES: dict[str, Callable[..., Engine]] = {"duckdb": DuckDBEngine, "spark": SparkEngine}


def register_engine(name: str, factory: Callable[..., Engine]) -> None:
    """Add an engine (built-ins are registered the same way)."""
    ENGINES[name] = factory


def make_engine(name: str, **options: Any) -> Engine:
    """Create engine ``name`` (``duckdb``, ``spark`` or a registered extension)."""
    if name not in ENGINES:
        raise ConfigError(
            f"unknown engine {name!r}", hint=f"valid engines: {', '.join(sorted(ENGINES))}"
        )
    try:
        return ENGINES[name](**options)
    except (ConfigError, ServiceError):
        raise
    except Exception as exc:  # a JVM that does not start, a locked file, ...
        raise ServiceError(f"engine {name!r} could not start: {exc}") from exc
