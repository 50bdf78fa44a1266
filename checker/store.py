"""The run's DuckDB database: the typed rows of every table, then its clean rows.

Each table is named as the rules expect (loans, baseline, fees, guarantees, guarantors)
with source_row and the spec's columns. Typed batches are added to it as they are
checked, rejected rows included, because the table-wide checks (table_checks.py) judge
keys over every typed row; the rejected rows are then taken out, which leaves the clean
table. Its rows come back in no set order once rows are left out (DuckDB reads the files
in parallel and filters them; a new test caught a batched table's clean rows coming
back in a different order), so every query that writes rows out orders them itself. The
rules run on the same connection, so no clean table is ever copied into polars.

A run's store is a database file in a temporary folder of its own (under TMPDIR), with
DuckDB's memory_limit set and temp_directory inside that folder: beyond the limit DuckDB
spills its hash tables and sorts to disk instead of growing. There the typed batches are
written as Parquet files (batch_files.py: polars writes them on every core, where DuckDB
compressed its own tables on one), or, where checking changed nothing, read in place from
the Parquet extract; a table is a view over those parts, and the rejected rows are a
small table the view leaves out. The folder goes when the store is closed,
whatever happened. Tests and small extracts use the same store, so they go through the
same mechanism as a 100M-loan run.

Names of tables and columns come from schemas/*.yaml, never from data, and are quoted
(an extract's own columns are taken by position); every value from the data reaches SQL
as Arrow or as a bound parameter.
"""

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from checker.batch_files import BatchFiles, RowsInPlace
from checker.readers import ROW
from checker.schemas import TableSpec, quoted

# DuckDB's default memory_limit is 80% of RAM, and it takes it: at 10M loans its hash
# tables grow to several GB. A sixteenth of RAM, at most 1.4 GiB, keeps a 10M-loan run
# under 2 GiB peak RSS with what polars holds for two batches (1.93 GiB measured at
# 1.4 GiB); 1 GB is too little at 10M (the shared facts fail to allocate). Beyond the
# limit DuckDB spills to disk, so a smaller limit costs time, not results.
_DEFAULT_FRACTION = 16
_DEFAULT_CAP_BYTES = 1400 * 1024**2
_FLOOR_BYTES = 256 * 1024**2
# Internal tables (the keys as written) live in their own schema, out of the rules' sight.
WRITTEN_KEYS_SCHEMA = "written_keys"
REJECTED_SCHEMA = "rejected_rows"
_BATCH_VIEW = "_loancheck_batch"


def default_memory_limit() -> str:
    """A sixteenth of this machine's RAM, at most 1.4 GiB (DuckDB's own default is 80%)."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 8 * _DEFAULT_CAP_BYTES
    limit = max(_FLOOR_BYTES, min(_DEFAULT_CAP_BYTES, ram // _DEFAULT_FRACTION))
    return f"{limit // 1024**2}MiB"


class Store:
    """One run's database; use as a context manager so its folder is always removed."""

    def __init__(self, memory_limit: str | None = None, threads: int | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="loancheck-"))
        config = {
            "memory_limit": memory_limit or default_memory_limit(),
            "temp_directory": str(self.folder / "spill"),
        }
        if threads:
            config["threads"] = threads
        self._files: dict[str, BatchFiles] = {}  # table name -> its typed batches as files
        try:
            self.connection = duckdb.connect(str(self.folder / "run.duckdb"), config=config)
        except Exception:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self._prepare()

    def _prepare(self) -> None:
        # DuckDB's progress bar would print to stdout during long statements, even with
        # --quiet; progress is the CLI's business.
        self.run("SET enable_progress_bar = false")
        self.run(f"CREATE SCHEMA IF NOT EXISTS {WRITTEN_KEYS_SCHEMA}")
        self.run(f"CREATE SCHEMA IF NOT EXISTS {REJECTED_SCHEMA}")

    def run(self, sql: str, parameters: dict | None = None) -> list[tuple]:
        """Run a statement to its end and return its rows (DuckDB refuses other work on a
        connection whose last result was not fetched)."""
        return self.connection.execute(sql, parameters).fetchall()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.connection.close()
        finally:  # the folder goes even if DuckDB fails to close (after running out of memory)
            shutil.rmtree(self.folder, ignore_errors=True)

    def create_table(self, spec: TableSpec) -> None:
        """An empty table with source_row and the spec's columns (an absent optional table
        stays so); and, for a keyed table, the side table of keys as written."""
        columns = ", ".join(f"{quoted(c.name)} {c.sql_type}" for c in spec.columns)
        self.run(f"CREATE TABLE {quoted(spec.name)} ({ROW} BIGINT, {columns})")
        if spec.unique:
            keys = ", ".join(f"{quoted(k)} VARCHAR" for k in spec.unique)
            self.run(f"CREATE TABLE {written_keys(spec)} ({ROW} BIGINT, {keys})")

    def append(
        self,
        spec: TableSpec,
        typed: pl.DataFrame,
        keys_as_written: pl.DataFrame,
        in_place: RowsInPlace | None = None,
    ) -> None:
        """Add a batch of typed rows (and the keys of those whose written key differs).
        `in_place`: the same rows as the extract holds them, read there, not copied."""
        if spec.name not in self._files:
            self._files[spec.name] = BatchFiles(self.folder / "batches", spec)
        if in_place is None:
            self._files[spec.name].write(typed)
        else:
            self._files[spec.name].keep(in_place)
        if spec.unique and keys_as_written.height:
            self._insert(written_keys(spec), keys_as_written)

    def forget(self, spec: TableSpec) -> None:
        """Drop every batch added to this table (before it is sealed), to add them again."""
        files = self._files.pop(spec.name, None)
        if files is not None:
            shutil.rmtree(files.folder, ignore_errors=True)
        if spec.unique:
            self.run(f"DELETE FROM {written_keys(spec)}")

    def _insert(self, table: str, frame: pl.DataFrame) -> None:
        # Arrow string views share polars' buffers: the batch is not copied to be read.
        self.connection.register(_BATCH_VIEW, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
        try:
            self.run(f"INSERT INTO {table} BY NAME SELECT * FROM {_BATCH_VIEW}")
        finally:
            self.connection.unregister(_BATCH_VIEW)

    def seal(self, spec: TableSpec) -> None:
        """Every batch is in: the table becomes a view over its batch files (a file store)
        for the table-wide checks, which read every typed row."""
        files = self._files.get(spec.name)
        if files is None:
            return  # no batch: the table as created, empty
        self.run(f"DROP TABLE {quoted(spec.name)}")
        self.run(f"CREATE VIEW {quoted(spec.name)} AS SELECT * FROM {files.sql()}")

    def delete_rows(self, spec: TableSpec, rows: pl.Series) -> None:
        """Take these source rows out: what is left is the clean table.
        A view's rows cannot be deleted, so the rejected rows go in a table of their own
        and the view reads the batch files without them."""
        files = self._files.get(spec.name)
        if files is None:
            return  # no batch, no row to take out
        rejected = f"{REJECTED_SCHEMA}.{quoted(spec.name)}"
        self.run(f"CREATE TABLE {rejected} ({ROW} BIGINT)")
        if rows.len() == 0:
            return  # the view over every typed row is the clean table
        self._insert(rejected, pl.DataFrame({ROW: rows.unique().sort()}))
        self.run(
            f"CREATE OR REPLACE VIEW {quoted(spec.name)} AS SELECT * FROM {files.sql()} "
            f"WHERE {ROW} NOT IN (SELECT {ROW} FROM {rejected})"
        )

    def drop_written_keys(self, spec: TableSpec) -> None:
        if spec.unique:
            self.run(f"DROP TABLE IF EXISTS {written_keys(spec)}")

    def count(self, spec: TableSpec) -> int:
        return self.run(f"SELECT count(*) FROM {quoted(spec.name)}")[0][0]

    def distinct_values(self, spec: TableSpec, column: str) -> list:
        """The column's distinct values, missing left out, in order."""
        sql = (
            f"SELECT DISTINCT {quoted(column)} FROM {quoted(spec.name)} "
            f"WHERE {quoted(column)} IS NOT NULL ORDER BY 1"
        )
        return [value for (value,) in self.run(sql)]

    def frame(self, name: str) -> pl.DataFrame:
        """A whole table as polars in source_row order: for small extracts (tests)."""
        relation = self.connection.sql(f"FROM {quoted(name)} ORDER BY {ROW}")
        return pl.from_arrow(relation.to_arrow_table())


def written_keys(spec: TableSpec) -> str:
    return f"{WRITTEN_KEYS_SCHEMA}.{quoted(spec.name)}"
