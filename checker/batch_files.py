"""A table's typed batches as Parquet files in the run's folder, for DuckDB to read.

Writing a batch into a DuckDB table costs DuckDB's compression, single-threaded: about
5 s of CPU per million loans. polars writes the same batch as LZ4-compressed Parquet on
every core in a fraction of that, and DuckDB reads the files back in parallel; so the
typed rows are kept as files and the store's tables are views over them (store.py).

Files are numbered in the order written and listed in that order; a query that needs the
rows in source_row order still says so (store.py).
"""

from pathlib import Path

import polars as pl

from checker.readers import ROW
from checker.schemas import TableSpec

# LZ4: cheap to write and to read back; the files are read by every rule, written once.
# Row groups of 122,880 rows are DuckDB's own (one thread reads one row group at a time).
_COMPRESSION = "lz4"
_ROW_GROUP_ROWS = 122_880


class BatchFiles:
    """The Parquet files of one table's typed batches, in the order they were written."""

    def __init__(self, folder: Path, spec: TableSpec):
        self.folder = folder / spec.name
        self.folder.mkdir(parents=True, exist_ok=True)
        # Each column in the type the store's SQL expects: a batch whose column polars
        # typed otherwise (all missing, say) must not change the view's types.
        self.schema = {ROW: pl.Int64(), **spec.polars_schema()}
        self.paths: list[Path] = []

    def write(self, typed: pl.DataFrame) -> None:
        path = self.folder / f"{len(self.paths):06d}.parquet"
        typed.select(list(self.schema)).cast(self.schema).write_parquet(
            path, compression=_COMPRESSION, row_group_size=_ROW_GROUP_ROWS
        )
        self.paths.append(path)

    def sql(self) -> str:
        """read_parquet over the files, in order, as SQL: the paths are our own (the run's
        temporary folder), quoted as literals because a view cannot hold parameters."""
        listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in self.paths)
        return f"read_parquet([{listed}])"
