"""Where a table's typed rows lie for DuckDB to read: batch files, or the extract itself.

Writing a batch into a DuckDB table costs DuckDB's compression, single-threaded: about
5 s of CPU per million loans. polars writes the same batch as LZ4-compressed Parquet on
every core in a fraction of that, and DuckDB reads the files back in parallel; so the
typed rows are kept as files and the store's tables are views over them (store.py).

Cheaper still is not to copy at all. A regulator's Parquet extract usually holds every
column in its type already, clean and canonical; checking then changes nothing (parse.py
says so), and those rows are read where they lie, in the extract, through a link of the
run's own. At 10M loans that saves writing and reading back 700 MB, and at 100M most of
the temporary folder's 23 GB. A table can mix both: batches that reading changed are
written, the others stay in the extract, and the view reads them all.

Parts are kept in the order the rows came; a query that needs the rows in source_row
order still says so (store.py).
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from checker.readers import ROW
from checker.schemas import TableSpec, quoted

# LZ4: cheap to write and to read back; the files are read by every rule, written once.
# Row groups of 122,880 rows are DuckDB's own (one thread reads one row group at a time).
_COMPRESSION = "lz4"
_ROW_GROUP_ROWS = 122_880


@dataclass(frozen=True)
class RowsInPlace:
    """Rows first_row..last_row of a Parquet extract, as the file holds them: its row n is
    source_row n (readers.py), so DuckDB's file_row_number n-1."""

    path: Path
    positions: dict[str, int]  # canonical column -> its position in the file, from 1
    first_row: int
    last_row: int

    def followed_by(self, rows: "RowsInPlace") -> bool:
        return rows.path == self.path and rows.first_row == self.last_row + 1


class BatchFiles:
    """One table's typed rows: batch files written and ranges of the extract kept."""

    def __init__(self, folder: Path, spec: TableSpec):
        self.folder = folder / spec.name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.spec = spec
        # Each column in the type the store's SQL expects: a batch whose column polars
        # typed otherwise (all missing, say) must not change the view's types.
        self.schema = {ROW: pl.Int64(), **spec.polars_schema()}
        self.paths: list[Path] = []  # batch files written, in order
        self.in_place: list[RowsInPlace] = []  # ranges of extracts kept, in order
        self._links: dict[Path, Path] = {}  # extract -> our link to it

    def write(self, typed: pl.DataFrame) -> None:
        path = self.folder / f"{len(self.paths):06d}.parquet"
        typed.select(list(self.schema)).cast(self.schema).write_parquet(
            path, compression=_COMPRESSION, row_group_size=_ROW_GROUP_ROWS
        )
        self.paths.append(path)

    def keep(self, rows: RowsInPlace) -> None:
        """These rows need no copy: the view reads them from the extract."""
        if self.in_place and self.in_place[-1].followed_by(rows):
            last = self.in_place.pop()
            rows = RowsInPlace(last.path, last.positions, last.first_row, rows.last_row)
        self.in_place.append(rows)

    def sql(self) -> str:
        """The table's rows as SQL for a FROM clause: source_row and the spec's columns.

        Paths are our own (the run's folder), quoted as literals because a view cannot
        hold parameters. The extract is read through a link named by us: its own path
        could hold quotes or glob characters read_parquet would expand. Its columns are
        taken by position, never by header, so a header needs no quoting either."""
        if not self.in_place:
            return f"read_parquet({_listed(self.paths)})"
        parts = [self._read_in_place(rows) for rows in self.in_place]
        if self.paths:
            columns = ", ".join(quoted(name) for name in self.schema)
            parts.append(f"SELECT {columns} FROM read_parquet({_listed(self.paths)})")
        return "(" + " UNION ALL ".join(parts) + ")"

    def _read_in_place(self, rows: RowsInPlace) -> str:
        columns = [f"file_row_number + 1 AS {ROW}"]
        for column in self.spec.columns:
            position = rows.positions.get(column.name)
            value = "NULL" if position is None else f"#{position}"
            columns.append(f"CAST({value} AS {column.sql_type}) AS {quoted(column.name)}")
        link = self._link(rows.path)
        return (
            f"SELECT {', '.join(columns)} "
            f"FROM read_parquet({_listed([link])}, file_row_number = true) "
            f"WHERE file_row_number BETWEEN {rows.first_row - 1:d} AND {rows.last_row - 1:d}"
        )

    def _link(self, extract: Path) -> Path:
        if extract not in self._links:
            link = self.folder / f"extract-{len(self._links)}.parquet"
            link.symlink_to(extract.resolve())
            self._links[extract] = link
        return self._links[extract]


def _listed(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"
