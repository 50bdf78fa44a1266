"""Read one extract file, whatever its format, into a frame of text cells.

Formats: CSV (UTF-8, UTF-8 with BOM, or GB18030/GBK, detected; comma or tab separated,
detected), XLSX (first sheet, or the one named), Parquet. Every cell is read as text so
that a bad cell never stops the read; parse.py types them.

Row numbers are the ones a person sees: in CSV and XLSX the header is row 1, so the first
record is row 2 (as in a spreadsheet); in Parquet the first row is row 1. A CSV record
with the wrong number of fields does not stop the run: it is returned as a structural
rejection with its row number.

A Parquet file can also be read in batches of rows (`parquet_batches`), only the columns
asked for, so that a table of any size passes through memory a batch at a time; CSV and
XLSX are read whole.
"""

import codecs
import csv
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from checker.errors import InputError, first_line

ROW = "source_row"  # the column that carries each row's number in its file
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
SUFFIXES = (*CSV_SUFFIXES, ".xlsx", ".parquet")
_SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 16 * 1024 * 1024
_UTF8 = "utf-8"


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None  # None: detect UTF-8 or GB18030
    sheet: str | None = None  # None: the first sheet


@dataclass
class TextFrame:
    frame: pl.DataFrame  # ROW plus the file's columns, all text
    broken_rows: list[tuple[int, int]]  # (row, number of fields) for ragged CSV records
    header_width: int


def read_text(path: Path, options: ReadOptions) -> TextFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _numbered(_read_parquet(path), first_row=1)
    if suffix == ".xlsx":
        return _numbered(_read_xlsx(path, options.sheet), first_row=2)
    return _read_csv(path, options.encoding)


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


def _read_csv(path: Path, encoding: str | None) -> TextFrame:
    head = _head(path)
    if not head.strip():
        raise InputError(path.name, "empty_file")
    if b"\x00" in head:
        raise InputError(path.name, "binary_file")
    encoding = encoding or _detect_encoding(path, head)
    if _is_utf8(encoding):
        return _parse_csv(path, path, head)
    with tempfile.TemporaryDirectory(prefix="loancheck-") as folder:
        utf8_copy = Path(folder) / "utf8.csv"
        _transcode(path, encoding, utf8_copy)
        return _parse_csv(path, utf8_copy, utf8_copy.read_bytes()[:_SNIFF_BYTES])


def _parse_csv(original: Path, utf8_path: Path, head: bytes) -> TextFrame:
    separator = _separator(head)
    # Blank lines before the header are skipped by both readers; count them so that row
    # numbers stay the ones a spreadsheet shows.
    first_row = 2 + _leading_blank_lines(head)
    try:
        frame = pl.read_csv(utf8_path, separator=separator, infer_schema=False, encoding="utf8")
    except pl.exceptions.NoDataError:
        raise InputError(original.name, "empty_file") from None
    except pl.exceptions.ComputeError:
        # A ragged record or a stray quote: read record by record so that only the broken
        # records are rejected, instead of the whole file.
        return _parse_csv_by_record(original, utf8_path, separator, first_row)
    return _numbered(frame, first_row=first_row)


def _parse_csv_by_record(
    original: Path, utf8_path: Path, separator: str, first_row: int
) -> TextFrame:
    with utf8_path.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(handle, delimiter=separator)
        header = next((record for record in records if record), None)
        if not header:
            raise InputError(original.name, "empty_file")
        rows, numbers, broken = [], [], []
        for index, record in enumerate(records):
            row = index + first_row
            if len(record) == len(header):
                rows.append(record)
                numbers.append(row)
            elif not record:  # a blank line: no data (load.py counts it as blank)
                rows.append([""] * len(header))
                numbers.append(row)
            elif any("\n" in field for field in record):
                raise InputError(original.name, "unbalanced_quote", row=row)
            else:
                broken.append((row, len(record)))
    frame = pl.DataFrame(rows, schema=_unique_names(header), orient="row")
    frame = frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns
    )
    frame = frame.insert_column(0, pl.Series(ROW, numbers, dtype=pl.Int64))
    return TextFrame(frame, broken, len(header))


def _unique_names(header: list[str]) -> list[str]:
    """Keep duplicate headers apart the way polars does, so load.py reports them."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        if name in seen:
            names.append(f"{name}_duplicated_{seen[name]}")
            seen[name] += 1
        else:
            names.append(name)
            seen[name] = 0
    return names


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise InputError(path.name, "unreadable", detail=error.strerror or str(error)) from None


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 if the whole file decodes as UTF-8, else GB18030 (a superset of GBK and GB2312).

    Chinese text in GBK almost never happens to be valid UTF-8, so a strict decode of
    the whole file is a reliable test; it streams, so the file is never held in memory.
    """
    if head.startswith(codecs.BOM_UTF8):
        return _UTF8
    decoder = codecs.getincrementaldecoder(_UTF8)()
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(_CHUNK_BYTES), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return _UTF8


def _transcode(path: Path, encoding: str, target: Path) -> None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise InputError(path.name, "unreadable", detail=f"unknown encoding {encoding}") from None
    line = 1
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
        try:
            for block in iter(lambda: source.read(_CHUNK_BYTES), b""):
                text = decoder.decode(block)
                sink.write(text)
                line += text.count("\n")
            sink.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as error:
            near = line + error.object[: error.start].count(b"\n")
            raise InputError(path.name, "bad_encoding", encoding=encoding, line=near) from None


def _leading_blank_lines(head: bytes) -> int:
    lines = head.split(b"\n")
    return next((i for i, line in enumerate(lines) if line.strip()), 0)


def _separator(head: bytes) -> str:
    first_line = head.lstrip().split(b"\n", 1)[0]
    return "\t" if first_line.count(b"\t") > first_line.count(b",") else ","


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
