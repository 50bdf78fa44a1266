"""Read one extract file, whatever its format, into a frame of text cells.

Formats: CSV (UTF-8, UTF-8 with BOM, or GB18030/GBK, detected; comma or tab separated,
detected), XLSX (first sheet, or the one named), Parquet. Every cell is read as text so
that a bad cell never stops the read; parse.py types them.

Row numbers are the ones a person sees: in CSV and XLSX the header is row 1, so the first
record is row 2 (as in a spreadsheet); in Parquet the first row is row 1. A CSV record
with the wrong number of fields does not stop the run: it is returned as a structural
rejection with its row number.

A Parquet file can also be read in batches of rows (`parquet_batches`), only the columns
asked for, and a CSV file too (csv_files.py), so that a table of any size passes through
memory a batch at a time; XLSX is read whole.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from checker.csv_files import read_csv_whole
from checker.errors import InputError, first_line
from checker.text_frame import ROW, TextFrame

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
SUFFIXES = (*CSV_SUFFIXES, ".xlsx", ".parquet")


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None  # None: detect UTF-8 or GB18030
    sheet: str | None = None  # None: the first sheet


def read_text(path: Path, options: ReadOptions) -> TextFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _numbered(_read_parquet(path), first_row=1)
    if suffix == ".xlsx":
        return _numbered(_read_xlsx(path, options.sheet), first_row=2)
    return read_csv_whole(path, options.encoding)


def _numbered(frame: pl.DataFrame, first_row: int, broken=None, width=None) -> TextFrame:
    frame = frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    return TextFrame(frame, broken or [], frame.width - 1 if width is None else width)


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path, glob=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(path.name, "unreadable", detail=first_line(error)) from None


@dataclass(frozen=True)
class ParquetFooter:
    columns: list[str]
    rows: int


def open_parquet(path: Path) -> ParquetFooter:
    """The file's column names and row count, from its footer: no rows are read yet."""
    try:
        # glob=False: a folder named like "bank [1]" is a name, not a pattern.
        scan = pl.scan_parquet(path, glob=False)
        columns = list(scan.collect_schema())
        rows = scan.select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(path.name, "unreadable", detail=first_line(error)) from None
    return ParquetFooter(columns, rows)


def parquet_batches(
    path: Path, footer: ParquetFooter, columns: list[str], batch_rows: int
) -> Iterator[TextFrame]:
    """The named columns, `batch_rows` rows at a time, numbered from 1 as in a whole read.

    polars reads only the row groups a slice covers, with the same types as a whole
    read, so memory holds one batch, never the file (pyarrow's batch reader took 4× as
    long). A file with no rows gives one empty batch, so its columns are still checked."""
    scan = pl.scan_parquet(path, glob=False).select(columns)
    for offset in range(0, max(footer.rows, 1), batch_rows):
        try:
            frame = scan.slice(offset, batch_rows).collect()
        except (pl.exceptions.PolarsError, OSError) as error:
            raise InputError(path.name, "unreadable", detail=first_line(error)) from None
        yield _numbered(frame, first_row=offset + 1, width=len(footer.columns))


def _read_xlsx(path: Path, sheet: str | None) -> pl.DataFrame:
    import fastexcel  # only XLSX extracts need it

    try:
        workbook = fastexcel.read_excel(path)
        if sheet is not None and sheet not in workbook.sheet_names:
            raise InputError(
                path.name, "unknown_sheet", sheet=sheet, sheets=", ".join(workbook.sheet_names)
            )
        frame = workbook.load_sheet(sheet if sheet is not None else 0, dtypes="string").to_polars()
    except InputError:
        raise
    except Exception as error:  # fastexcel raises its own exception family
        raise InputError(path.name, "unreadable", detail=first_line(error)) from None
    if frame.width == 0:
        raise InputError(path.name, "empty_file")
    return frame
