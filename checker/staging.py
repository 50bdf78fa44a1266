"""Check one table batch by batch on its way into the run's store (store.py).

Each batch (Parquet: BATCH_ROWS rows; CSV and XLSX: the whole file) is typed and given
the row checks (validate.py); its typed rows, rejected ones included, go to the store:
copied as a file, or, when checking changed nothing in a Parquet batch, read in place
from the extract (batch_files.py). Its text is let go before the next batch is read, so
memory holds one batch whatever the table's size. Then the table-wide checks run in
DuckDB (table_checks.py) and set the rejected rows aside, which leaves the clean table.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from checker.batch_files import RowsInPlace
from checker.load import ROW, OpenedTable, RawTable
from checker.progress import NO_PROGRESS, Progress
from checker.schemas import CommonSpellings
from checker.store import Store
from checker.table_checks import check_whole_table, keys_as_written
from checker.validate import check_rows, row_schema


@dataclass
class StagedTable:
    raw: OpenedTable
    rows: int  # rows read that hold data: rows checked + rows rejected
    rows_checked: int  # clean rows: what the table in the store now holds
    rejections: pl.DataFrame  # file, row, column, check, value; sorted by row, column
    blank_rows: int  # rows with no cell filled: no data, set aside and counted

    @property
    def rows_rejected(self) -> int:
        return self.rejections.get_column("row").n_unique()


def stage_table(
    store: Store,
    opened: OpenedTable,
    common: CommonSpellings,
    amount_unit: str = "yuan",
    progress: Progress = NO_PROGRESS,
) -> StagedTable:
    """Fill the store's table (created empty beforehand) with the clean rows of this file."""
    spec = opened.spec
    schema = row_schema(spec)  # built once: pandera schemas are not cheap to build
    rejections, type_cells = [], []
    rows_read = blank_rows = 0
    # DuckDB appends a batch on a thread of its own while polars and pandera check the
    # next one: both release the GIL, so on two cores the append mostly costs no time.
    # At most one append is pending, so memory holds two batches, never more.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="append") as appender:
        pending: Future | None = None
        for batch in opened.batches():
            checked = check_rows(batch, common, amount_unit, schema)
            # Untouched rows' keys are as written: no key cell had spaces to strip.
            keys = pl.DataFrame() if checked.untouched else keys_as_written(batch)
            in_place = _in_place(opened, batch) if checked.untouched else None
            if pending is not None:
                pending.result()
            pending = appender.submit(store.append, spec, checked.typed, keys, in_place)
            rejections.append(checked.rejections)
            type_cells.append(checked.type_cells)
            rows_read += batch.rows
            blank_rows += checked.blank_rows
            progress.advance(batch.rows)
            # Let this batch's text go before the next batch is read (its typed rows go
            # when appended), or two batches' text would be held at once.
            del batch, checked, keys
        if pending is not None:
            pending.result()
    store.seal(spec)
    rejected = check_whole_table(store, spec, opened.file, rejections, pl.concat(type_cells))
    return StagedTable(opened, rows_read - blank_rows, store.count(spec), rejected, blank_rows)


def _in_place(opened: OpenedTable, batch: RawTable) -> RowsInPlace | None:
    """The batch's rows in the Parquet extract, if it can be read there (load.py)."""
    rows = batch.frame.get_column(ROW)
    if opened.positions is None or rows.is_empty():
        return None
    first, last = rows.first(), rows.last()
    if last - first + 1 != rows.len():
        return None  # not one run of rows: copy it (a Parquet batch always is one)
    return RowsInPlace(opened.path, opened.positions, first, last)
