"""Check one table batch by batch on its way into the run's store (store.py).

Each batch (Parquet and CSV: BATCH_ROWS rows; XLSX: the whole file) is typed and given
the row checks (validate.py); its typed rows, rejected ones included, go to the store:
copied as a file, or, when checking changed nothing in a Parquet batch, read in place
from the extract (batch_files.py). Its text is let go once it is checked, so memory
holds a few batches whatever the table's size. Then the table-wide checks run in DuckDB
(table_checks.py) and set the rejected rows aside, which leaves the clean table.
"""

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from checker.batch_files import RowsInPlace
from checker.csv_files import ReadByRecord
from checker.load import ROW, OpenedTable, RawTable
from checker.progress import NO_PROGRESS, Progress
from checker.schemas import CommonSpellings
from checker.store import Store
from checker.table_checks import check_whole_table, keys_as_written
from checker.validate import RowChecks, check_rows, row_schema

# Batches checked at once. Parquet: two (10M loans staged in 7.7 s against 10.2 s with
# one), since much of parsing is polars work on one column at a time, on one core. CSV:
# one, as polars's streaming reader already keeps the other core busy reading ahead (two
# checkers: 36-38 s and 2.0 GB against 34-35 s and 1.75 GB for 10M loans).
CHECKERS = {".parquet": 2}


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
    try:
        filled = _fill(store, opened, opened.batches(), common, amount_unit, schema, progress)
    except ReadByRecord:
        # polars stopped at a broken CSV record after earlier batches were stored: start
        # the table again, reading the file record by record (csv_files.py).
        store.forget(spec)
        progress.stage(f"validate {opened.file}")
        batches = opened.batches(by_record=True)
        filled = _fill(store, opened, batches, common, amount_unit, schema, progress)
    store.seal(spec)
    type_cells = pl.concat(filled.type_cells)
    rejected = check_whole_table(store, spec, opened.file, filled.rejections, type_cells)
    rows = filled.rows_read - filled.blank_rows
    return StagedTable(opened, rows, store.count(spec), rejected, filled.blank_rows)


@dataclass
class _Filled:
    rejections: list[pl.DataFrame] = field(default_factory=list)
    type_cells: list[pl.DataFrame] = field(default_factory=list)
    rows_read: int = 0
    blank_rows: int = 0


def _fill(store, opened, batches, common, amount_unit, schema, progress) -> _Filled:
    """Check each batch and add it to the store.

    Up to CHECKERS batches are checked at once. Their rows go to the store in order, on a
    thread of its own (a copied batch's file is written there while the next batches are
    checked). Memory holds at most that many batches being checked and one being
    stored."""
    filled = _Filled()
    at_once = CHECKERS.get(opened.path.suffix.lower(), 1)
    with (
        ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="check") as checkers,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="store") as storer,
    ):
        checking: deque[Future[_Checked]] = deque()
        storing: Future | None = None

        def store_next() -> None:
            nonlocal storing
            checked = checking.popleft().result()
            if storing is not None:
                storing.result()
            storing = storer.submit(
                store.append, opened.spec, checked.rows.typed, checked.keys, checked.in_place
            )
            filled.rejections.append(checked.rows.rejections)
            filled.type_cells.append(checked.rows.type_cells)
            filled.rows_read += checked.rows_read
            filled.blank_rows += checked.rows.blank_rows
            progress.advance(checked.rows_read)

        for batch in batches:
            checking.append(
                checkers.submit(_check_batch, opened, batch, common, amount_unit, schema)
            )
            del batch  # the check holds it, and lets it go when done
            if len(checking) == at_once:
                store_next()
        while checking:
            store_next()
        if storing is not None:
            storing.result()
    return filled


@dataclass
class _Checked:
    rows: RowChecks
    rows_read: int
    keys: pl.DataFrame  # the keys as written, where they differ from the typed ones
    in_place: RowsInPlace | None  # where the extract holds these rows unchanged


def _check_batch(opened, batch, common, amount_unit, schema) -> _Checked:
    checked = check_rows(batch, common, amount_unit, schema)
    # Untouched rows' keys are as written: no key cell had spaces to strip.
    keys = pl.DataFrame() if checked.untouched else keys_as_written(batch)
    in_place = _in_place(opened, batch) if checked.untouched else None
    return _Checked(checked, batch.rows, keys, in_place)


def _in_place(opened: OpenedTable, batch: RawTable) -> RowsInPlace | None:
    """The batch's rows in the Parquet extract, if it can be read there (load.py)."""
    rows = batch.frame.get_column(ROW)
    if opened.positions is None or rows.is_empty():
        return None
    first, last = rows.first(), rows.last()
    if last - first + 1 != rows.len():
        return None  # not one run of rows: copy it (a Parquet batch always is one)
    return RowsInPlace(opened.path, opened.positions, first, last)
